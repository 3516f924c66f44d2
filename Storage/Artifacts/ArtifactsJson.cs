using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace ScoreBatch.Storage.Artifacts;

/// <summary>
/// Serialisation of _SUCCESS and _OWNER: camelCase, indented, enums in lower case (as status.json), from
/// compile-time (source-generated) metadata: reflection-based metadata costs about 80 ms of JIT on a worker's first
/// manifest write, on the path of every job.
/// </summary>
public static class ArtifactsJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        TypeInfoResolver = JsonTypeInfoResolver.Combine(ArtifactsJsonContext.Default, new DefaultJsonTypeInfoResolver()),
    };
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(OutputManifest))]
[JsonSerializable(typeof(OutputOwner))]
internal sealed partial class ArtifactsJsonContext : JsonSerializerContext;
