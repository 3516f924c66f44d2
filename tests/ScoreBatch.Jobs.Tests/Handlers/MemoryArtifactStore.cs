using System.Runtime.CompilerServices;
using ScoreBatch.Storage.Abstractions;

namespace ScoreBatch.Jobs.Tests.Handlers;

/// <summary>
/// A minimal in-memory <see cref="IArtifactStore"/> for handler tests (blob semantics: ordinal listing, conditional
/// writes), with counters that let tests see how many files are in flight. The storage project's full adapter
/// lives on the worker branch; this double keeps the Jobs tests independent of it.
/// </summary>
internal sealed class MemoryArtifactStore : IArtifactStore
{
    private readonly Lock _gate = new();
    private readonly SortedDictionary<string, byte[]> _blobs = new(StringComparer.Ordinal);
    private int _reads, _writes, _maxInFlight;

    /// <summary>Successful (content-changing) writes so far.</summary>
    public int Writes { get { lock (_gate) return _writes; } }

    /// <summary>Largest observed (reads of input files) - (writes of score files): files held somewhere in the pipeline.</summary>
    public int MaxInFlight { get { lock (_gate) return _maxInFlight; } }

    /// <summary>Only reads of names starting with this prefix count towards <see cref="MaxInFlight"/>.</summary>
    public string CountedReadPrefix { get; set; } = "\0";

    public void Put(string path, byte[] bytes)
    {
        lock (_gate) _blobs[path] = bytes;
    }

    public byte[]? Get(string path)
    {
        lock (_gate) return _blobs.TryGetValue(path, out var b) ? b : null;
    }

    public IReadOnlyList<string> Names()
    {
        lock (_gate) return [.. _blobs.Keys];
    }

    public async IAsyncEnumerable<ArtifactInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        List<ArtifactInfo> snapshot;
        lock (_gate) snapshot = [.. _blobs.Where(b => b.Key.StartsWith(prefix, StringComparison.Ordinal)).Select(b => Info(b.Key, b.Value))];
        foreach (var info in snapshot)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await Task.Yield();
            yield return info;
        }
    }

    public async Task<BinaryData> ReadAsync(string path, CancellationToken cancellationToken)
    {
        await Task.Yield();
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (!_blobs.TryGetValue(path, out var bytes)) throw new ArtifactNotFoundException(path);
            if (path.StartsWith(CountedReadPrefix, StringComparison.Ordinal))
            {
                _reads++;
                _maxInFlight = Math.Max(_maxInFlight, _reads - _writes);
            }
            return BinaryData.FromBytes(bytes);
        }
    }

    public Task<ArtifactInfo?> GetInfoAsync(string path, CancellationToken cancellationToken)
    {
        lock (_gate) return Task.FromResult(_blobs.TryGetValue(path, out var b) ? Info(path, b) : null);
    }

    public async Task<bool> WriteAsync(string path, BinaryData content, bool overwrite, CancellationToken cancellationToken)
    {
        await Task.Yield();
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (!overwrite && _blobs.ContainsKey(path)) return false;
            _blobs[path] = content.ToArray();
            _writes++;
            return true;
        }
    }

    public Task<bool> DeleteAsync(string path, CancellationToken cancellationToken)
    {
        lock (_gate) return Task.FromResult(_blobs.Remove(path));
    }

    private static ArtifactInfo Info(string path, byte[] bytes) =>
        new(path, bytes.Length, $"\"{bytes.Length:x}-{HashCode.Combine(bytes.Length, bytes.FirstOrDefault(), bytes.LastOrDefault()):x}\"", DateTimeOffset.UnixEpoch);
}
