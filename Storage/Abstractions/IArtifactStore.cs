namespace ScoreBatch.Storage.Abstractions;

/// <summary>
/// A flat store of named artifacts (Azure blobs, or files in tests), addressed as "container/path/inside".
/// The first path segment is the container. Names are validated by <see cref="ArtifactPath"/>.
/// </summary>
public interface IArtifactStore
{
    /// <summary>
    /// Lists artifacts whose full name starts with <paramref name="prefix"/> ("container/prefix"), ordered by name
    /// (ordinal). The match is on characters: pass "out/run1/" to exclude "out/run10/...".
    /// </summary>
    IAsyncEnumerable<ArtifactInfo> ListAsync(string prefix, CancellationToken cancellationToken);

    /// <summary>Reads a whole artifact. Throws <see cref="ArtifactNotFoundException"/> when it does not exist.</summary>
    Task<BinaryData> ReadAsync(string path, CancellationToken cancellationToken);

    /// <summary>Reads a whole artifact with its ETag, or returns null when it does not exist.</summary>
    Task<ArtifactContent?> TryReadAsync(string path, CancellationToken cancellationToken);

    /// <summary>Properties of one artifact, or null when it does not exist.</summary>
    Task<ArtifactInfo?> GetInfoAsync(string path, CancellationToken cancellationToken);

    /// <summary>
    /// Writes an artifact. With <paramref name="overwrite"/> false the write is conditional (If-None-Match: *):
    /// it returns false, and changes nothing, when the artifact already exists.
    /// </summary>
    Task<bool> WriteAsync(string path, BinaryData content, bool overwrite, CancellationToken cancellationToken);

    /// <summary>
    /// Optimistic-concurrency write: with <paramref name="ifMatchETag"/> null the artifact must not exist
    /// (If-None-Match: *), otherwise its current ETag must equal it (If-Match). Returns the new ETag, or null,
    /// changing nothing, when the condition does not hold.
    /// </summary>
    Task<string?> WriteConditionalAsync(string path, BinaryData content, string? ifMatchETag, CancellationToken cancellationToken);

    /// <summary>Deletes an artifact if it exists; returns whether it did.</summary>
    Task<bool> DeleteAsync(string path, CancellationToken cancellationToken);
}

/// <summary>Name, size in bytes, ETag and last-modified time of one artifact.</summary>
public sealed record ArtifactInfo(string Path, long Size, string ETag, DateTimeOffset LastModified);

/// <summary>The bytes of one artifact and the ETag they were read at.</summary>
public sealed record ArtifactContent(BinaryData Content, string ETag);

/// <summary>The named artifact does not exist.</summary>
public sealed class ArtifactNotFoundException(string path)
    : Exception($"Artifact '{path}' does not exist.")
{
    public string Path { get; } = path;
}
