using System.Runtime.CompilerServices;
using ScoreBatch.Storage.Abstractions;

namespace ScoreBatch.Worker.Tests.Fakes;

/// <summary>An artifact store whose next <see cref="FailNextWrites"/> writes fail with a transient <see cref="IOException"/>.</summary>
public sealed class FlakyArtifactStore(IArtifactStore inner) : IArtifactStore
{
    private int _failNext;

    public int FailNextWrites
    {
        get => Volatile.Read(ref _failNext);
        set => Volatile.Write(ref _failNext, value);
    }

    private void MaybeFail(string path)
    {
        if (Interlocked.Decrement(ref _failNext) >= 0) throw new IOException($"injected write failure for {path}");
        Interlocked.Exchange(ref _failNext, 0);
    }

    public async IAsyncEnumerable<ArtifactInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var i in inner.ListAsync(prefix, cancellationToken)) yield return i;
    }

    public Task<BinaryData> ReadAsync(string path, CancellationToken cancellationToken) => inner.ReadAsync(path, cancellationToken);
    public Task<ArtifactContent?> TryReadAsync(string path, CancellationToken cancellationToken) => inner.TryReadAsync(path, cancellationToken);
    public Task<ArtifactInfo?> GetInfoAsync(string path, CancellationToken cancellationToken) => inner.GetInfoAsync(path, cancellationToken);
    public Task<bool> DeleteAsync(string path, CancellationToken cancellationToken) => inner.DeleteAsync(path, cancellationToken);

    public Task<bool> WriteAsync(string path, BinaryData content, bool overwrite, CancellationToken cancellationToken)
    {
        MaybeFail(path);
        return inner.WriteAsync(path, content, overwrite, cancellationToken);
    }

    public Task<string?> WriteConditionalAsync(string path, BinaryData content, string? ifMatchETag, CancellationToken cancellationToken)
    {
        MaybeFail(path);
        return inner.WriteConditionalAsync(path, content, ifMatchETag, cancellationToken);
    }
}
