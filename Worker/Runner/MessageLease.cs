using ScoreBatch.Storage.Abstractions;

namespace ScoreBatch.Worker.Runner;

/// <summary>
/// This worker's hold on one received message: always the newest pop receipt (every visibility update issues a
/// new one), and whether the message was lost to another worker.
/// </summary>
public sealed class MessageLease(IJobQueue queue, ReceivedMessage message)
{
    private readonly Lock _gate = new();
    private string _popReceipt = message.PopReceipt;
    private bool _lost;

    public ReceivedMessage Message { get; } = message;

    /// <summary>The queue the message came from (one per priority).</summary>
    public string QueueName => queue.Name;

    public string PopReceipt
    {
        get { lock (_gate) return _popReceipt; }
    }

    public bool IsLost
    {
        get { lock (_gate) return _lost; }
    }

    /// <summary>Sets the message's visibility and keeps the new receipt; marks the lease lost on <see cref="MessageLostException"/>.</summary>
    public async Task SetVisibilityAsync(TimeSpan visibility, CancellationToken cancellationToken)
    {
        try
        {
            var receipt = await queue.UpdateVisibilityAsync(Message.MessageId, PopReceipt, visibility, cancellationToken).ConfigureAwait(false);
            lock (_gate) _popReceipt = receipt;
        }
        catch (MessageLostException)
        {
            lock (_gate) _lost = true;
            throw;
        }
    }

    /// <summary>Deletes the message (acknowledges it); marks the lease lost on <see cref="MessageLostException"/>.</summary>
    public async Task DeleteAsync(CancellationToken cancellationToken)
    {
        try
        {
            await queue.DeleteAsync(Message.MessageId, PopReceipt, cancellationToken).ConfigureAwait(false);
        }
        catch (MessageLostException)
        {
            lock (_gate) _lost = true;
            throw;
        }
    }
}
