using System.Runtime.CompilerServices;
using ScoreBatch.Storage.Abstractions;

namespace ScoreBatch.Storage.InMemory;

/// <summary>
/// A thread-safe in-memory <see cref="IArtifactStore"/> with blob semantics: every write gets a fresh ETag,
/// conditional writes honour If-None-Match: * and If-Match, listings are ordinal by name. For tests and demos.
/// </summary>
public sealed class InMemoryArtifactStore(TimeProvider? time = null) : IArtifactStore
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Lock _gate = new();
    private readonly SortedDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private long _version;

    private sealed record Entry(byte[] Bytes, string ETag, DateTimeOffset LastModified);

    public async IAsyncEnumerable<ArtifactInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArtifactPath.Validate(prefix, nameof(prefix), requireBlobName: false);
        List<ArtifactInfo> snapshot;
        lock (_gate)
        {
            snapshot = [.. _entries.Where(e => e.Key.StartsWith(prefix, StringComparison.Ordinal)).Select(e => Info(e.Key, e.Value))];
        }
        foreach (var info in snapshot)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return info;
        }
        await Task.CompletedTask.ConfigureAwait(false);
    }

    public async Task<BinaryData> ReadAsync(string path, CancellationToken cancellationToken)
        => (await TryReadAsync(path, cancellationToken).ConfigureAwait(false))?.Content ?? throw new ArtifactNotFoundException(path);

    public Task<ArtifactContent?> TryReadAsync(string path, CancellationToken cancellationToken)
    {
        ArtifactPath.Validate(path, nameof(path));
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return Task.FromResult(_entries.TryGetValue(path, out var e) ? new ArtifactContent(BinaryData.FromBytes(e.Bytes.ToArray()), e.ETag) : null);
        }
    }

    public Task<ArtifactInfo?> GetInfoAsync(string path, CancellationToken cancellationToken)
    {
        ArtifactPath.Validate(path, nameof(path));
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return Task.FromResult(_entries.TryGetValue(path, out var e) ? Info(path, e) : null);
        }
    }

    public Task<bool> WriteAsync(string path, BinaryData content, bool overwrite, CancellationToken cancellationToken)
    {
        ArtifactPath.Validate(path, nameof(path));
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (!overwrite && _entries.ContainsKey(path)) return Task.FromResult(false);
            Put(path, content);
            return Task.FromResult(true);
        }
    }

    public Task<string?> WriteConditionalAsync(string path, BinaryData content, string? ifMatchETag, CancellationToken cancellationToken)
    {
        ArtifactPath.Validate(path, nameof(path));
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var exists = _entries.TryGetValue(path, out var current);
            var holds = ifMatchETag is null ? !exists : exists && current!.ETag == ifMatchETag;
            return Task.FromResult(holds ? Put(path, content) : null);
        }
    }

    public Task<bool> DeleteAsync(string path, CancellationToken cancellationToken)
    {
        ArtifactPath.Validate(path, nameof(path));
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return Task.FromResult(_entries.Remove(path));
        }
    }

    private string Put(string path, BinaryData content)
    {
        var etag = $"\"0x{++_version:X8}\"";
        _entries[path] = new Entry(content.ToArray(), etag, _time.GetUtcNow());
        return etag;
    }

    private static ArtifactInfo Info(string path, Entry e) => new(path, e.Bytes.Length, e.ETag, e.LastModified);
}
