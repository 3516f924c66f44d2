using ScoreBatch.Storage.Abstractions;
using ScoreBatch.Storage.InMemory;

namespace ScoreBatch.Jobs.Tests.Handlers;

/// <summary>
/// The storage project's <see cref="InMemoryArtifactStore"/> with counters that let handler tests see how many
/// content-changing writes happened and how many input files were in flight at once.
/// </summary>
internal sealed class MemoryArtifactStore : IArtifactStore
{
    private readonly InMemoryArtifactStore _inner = new();
    private readonly Lock _gate = new();
    private readonly SortedSet<string> _containers = new(StringComparer.Ordinal);
    private int _reads, _writes, _maxInFlight, _writing, _maxWriting;

    /// <summary>How long every WriteAsync takes before it writes (default none): lets a test see overlapping writes.</summary>
    public TimeSpan WriteDelay { get; set; }

    /// <summary>Largest number of WriteAsync calls seen running at once.</summary>
    public int MaxConcurrentWrites { get { lock (_gate) return _maxWriting; } }

    /// <summary>Successful (content-changing) writes so far.</summary>
    public int Writes { get { lock (_gate) return _writes; } }

    /// <summary>Largest observed (reads of input files) - (writes): files held somewhere in the pipeline.</summary>
    public int MaxInFlight { get { lock (_gate) return _maxInFlight; } }

    /// <summary>Only reads of names starting with this prefix count towards <see cref="MaxInFlight"/>.</summary>
    public string CountedReadPrefix { get; set; } = "\0";

    public void Put(string path, byte[] bytes)
    {
        _inner.WriteAsync(path, BinaryData.FromBytes(bytes), overwrite: true, CancellationToken.None).GetAwaiter().GetResult();
        Remember(path);
    }

    public byte[]? Get(string path) =>
        _inner.TryReadAsync(path, CancellationToken.None).GetAwaiter().GetResult()?.Content.ToArray();

    /// <summary>Every artifact's name, sorted (the store lists per container, so this lists each container seen).</summary>
    public IReadOnlyList<string> Names()
    {
        string[] containers;
        lock (_gate) containers = [.. _containers];
        return containers.SelectMany(c => _inner.ListAsync(c + "/", CancellationToken.None).Select(a => a.Path).ToListAsync().AsTask().GetAwaiter().GetResult())
            .Order(StringComparer.Ordinal).ToList();
    }

    public IAsyncEnumerable<ArtifactInfo> ListAsync(string prefix, CancellationToken cancellationToken) => _inner.ListAsync(prefix, cancellationToken);

    public async Task<BinaryData> ReadAsync(string path, CancellationToken cancellationToken)
    {
        var content = await _inner.ReadAsync(path, cancellationToken).ConfigureAwait(false);
        CountRead(path);
        return content;
    }

    public async Task<ArtifactContent?> TryReadAsync(string path, CancellationToken cancellationToken)
    {
        var content = await _inner.TryReadAsync(path, cancellationToken).ConfigureAwait(false);
        if (content is not null) CountRead(path);
        return content;
    }

    public Task<ArtifactInfo?> GetInfoAsync(string path, CancellationToken cancellationToken) => _inner.GetInfoAsync(path, cancellationToken);

    public async Task<bool> WriteAsync(string path, BinaryData content, bool overwrite, CancellationToken cancellationToken)
    {
        lock (_gate) _maxWriting = Math.Max(_maxWriting, ++_writing);
        try
        {
            if (WriteDelay > TimeSpan.Zero) await Task.Delay(WriteDelay, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            lock (_gate) _writing--;
        }
        var written = await _inner.WriteAsync(path, content, overwrite, cancellationToken).ConfigureAwait(false);
        Remember(path);
        if (written) CountWrite();
        return written;
    }

    public async Task<string?> WriteConditionalAsync(string path, BinaryData content, string? ifMatchETag, CancellationToken cancellationToken)
    {
        var etag = await _inner.WriteConditionalAsync(path, content, ifMatchETag, cancellationToken).ConfigureAwait(false);
        Remember(path);
        if (etag is not null) CountWrite();
        return etag;
    }

    public Task<bool> DeleteAsync(string path, CancellationToken cancellationToken) => _inner.DeleteAsync(path, cancellationToken);

    private void CountRead(string path)
    {
        if (!path.StartsWith(CountedReadPrefix, StringComparison.Ordinal)) return;
        lock (_gate)
        {
            _reads++;
            _maxInFlight = Math.Max(_maxInFlight, _reads - _writes);
        }
    }

    private void Remember(string path)
    {
        lock (_gate) _containers.Add(path.Split('/')[0]);
    }

    private void CountWrite()
    {
        lock (_gate) _writes++;
    }
}
