using Polly;
using ScoreBatch.Storage.Abstractions;

namespace ScoreBatch.Storage.Resilience;

/// <summary>
/// Wraps an <see cref="IJobQueue"/> so each call runs inside the "queue" pipeline. <see cref="MessageLostException"/>
/// is not transient and passes straight through. Polling for work is the runner's back-off, never a retry here.
/// </summary>
public sealed class ResilientJobQueue(IJobQueue inner, ResiliencePipeline pipeline) : IJobQueue
{
    public string Name => inner.Name;

    public async Task SendAsync(string body, CancellationToken cancellationToken)
        => await pipeline.ExecuteAsync(async ct => await inner.SendAsync(body, ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    public async Task<IReadOnlyList<ReceivedMessage>> ReceiveAsync(int maxMessages, TimeSpan visibility, CancellationToken cancellationToken)
        => await pipeline.ExecuteAsync(async ct => await inner.ReceiveAsync(maxMessages, visibility, ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    public async Task<string> UpdateVisibilityAsync(string messageId, string popReceipt, TimeSpan visibility, CancellationToken cancellationToken)
        => await pipeline.ExecuteAsync(async ct => await inner.UpdateVisibilityAsync(messageId, popReceipt, visibility, ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    public async Task DeleteAsync(string messageId, string popReceipt, CancellationToken cancellationToken)
        => await pipeline.ExecuteAsync(async ct => await inner.DeleteAsync(messageId, popReceipt, ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    public async Task<int> ApproximateCountAsync(CancellationToken cancellationToken)
        => await pipeline.ExecuteAsync(async ct => await inner.ApproximateCountAsync(ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
}
