using System.Text.Json;

namespace ScoreBatch.Storage.Artifacts;

/// <summary>One output file in a manifest: path relative to the output prefix, size in bytes, SHA-256 (hex).</summary>
public sealed record ManifestEntry(string Path, long Size, string Sha256);

/// <summary>The content of "&lt;output&gt;/_SUCCESS": which job produced which files.</summary>
public sealed record OutputManifest(string JobId, string Kind, DateTimeOffset CompletedAt, IReadOnlyList<ManifestEntry> Files)
{
    public string ToJson() => JsonSerializer.Serialize(this, ArtifactsJson.Options);

    public static OutputManifest FromJson(string json)
        => JsonSerializer.Deserialize<OutputManifest>(json, ArtifactsJson.Options) ?? throw new JsonException("_SUCCESS is null");
}
