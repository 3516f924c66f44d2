using System.Runtime.CompilerServices;
using Polly;
using ScoreBatch.Storage.Abstractions;

namespace ScoreBatch.Storage.Resilience;

/// <summary>
/// Wraps an <see cref="IArtifactStore"/> so each whole operation runs inside a named pipeline: reads, probes and
/// listings in "blob-read", writes and deletes in "blob-write". A retried conditional write that had in fact landed
/// reports "already exists", which deterministic names make harmless.
/// </summary>
public sealed class ResilientArtifactStore(IArtifactStore inner, ResiliencePipeline read, ResiliencePipeline write) : IArtifactStore
{
    /// <summary>The wrapped store (for callers that run their own pipeline around whole operations).</summary>
    public IArtifactStore Inner => inner;

    public async IAsyncEnumerable<ArtifactInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // A listing is retried as a whole (names only, small), then streamed to the caller.
        var items = await read.ExecuteAsync(async ct =>
        {
            var list = new List<ArtifactInfo>();
            await foreach (var i in inner.ListAsync(prefix, ct).ConfigureAwait(false)) list.Add(i);
            return list;
        }, cancellationToken).ConfigureAwait(false);
        foreach (var i in items) yield return i;
    }

    public async Task<BinaryData> ReadAsync(string path, CancellationToken cancellationToken)
        => await read.ExecuteAsync(async ct => await inner.ReadAsync(path, ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    public async Task<ArtifactContent?> TryReadAsync(string path, CancellationToken cancellationToken)
        => await read.ExecuteAsync(async ct => await inner.TryReadAsync(path, ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    public async Task<ArtifactInfo?> GetInfoAsync(string path, CancellationToken cancellationToken)
        => await read.ExecuteAsync(async ct => await inner.GetInfoAsync(path, ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    public async Task<bool> WriteAsync(string path, BinaryData content, bool overwrite, CancellationToken cancellationToken)
        => await write.ExecuteAsync(async ct => await inner.WriteAsync(path, content, overwrite, ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    public async Task<string?> WriteConditionalAsync(string path, BinaryData content, string? ifMatchETag, CancellationToken cancellationToken)
        => await write.ExecuteAsync(async ct => await inner.WriteConditionalAsync(path, content, ifMatchETag, ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    public async Task<bool> DeleteAsync(string path, CancellationToken cancellationToken)
        => await write.ExecuteAsync(async ct => await inner.DeleteAsync(path, ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
}
