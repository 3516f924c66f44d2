using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace ScoreBatch.Storage.Status;

/// <summary>
/// Compile-time (source-generated) JSON metadata for what the worker writes on every job: status.json (_SUCCESS and _OWNER: <see cref="Artifacts.ArtifactsJson"/>).
/// Reflection-based metadata costs about 80 ms of JIT on a worker's first status write, on the path of every
/// job's start; the generated metadata costs none. Same options as <see cref="JobStatus.JsonOptions"/>.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(JobStatus))]
internal sealed partial class StorageJsonContext : JsonSerializerContext
{
    /// <summary>The generated metadata first, reflection for any other type serialised with the same options.</summary>
    public static IJsonTypeInfoResolver Resolver { get; } = JsonTypeInfoResolver.Combine(Default, new DefaultJsonTypeInfoResolver());
}
