namespace ScoreBatch.Storage.Abstractions;

/// <summary>
/// An at-least-once message queue (Azure Storage queue semantics): a received message is invisible for a
/// visibility timeout, identified by its id and its newest pop receipt, and returns unless deleted.
/// </summary>
public interface IJobQueue
{
    /// <summary>The queue's name.</summary>
    string Name { get; }

    /// <summary>Sends a message body (plain text, already encoded as the client wishes).</summary>
    Task SendAsync(string body, CancellationToken cancellationToken);

    /// <summary>Receives up to <paramref name="maxMessages"/> messages, each hidden for <paramref name="visibility"/>.</summary>
    Task<IReadOnlyList<ReceivedMessage>> ReceiveAsync(int maxMessages, TimeSpan visibility, CancellationToken cancellationToken);

    /// <summary>
    /// Extends (or, with TimeSpan.Zero, ends) the invisibility of a received message and returns its new pop receipt.
    /// Throws <see cref="MessageLostException"/> when the message or receipt is no longer valid (another worker has it).
    /// </summary>
    Task<string> UpdateVisibilityAsync(string messageId, string popReceipt, TimeSpan visibility, CancellationToken cancellationToken);

    /// <summary>Deletes a received message. Throws <see cref="MessageLostException"/> when the receipt is stale.</summary>
    Task DeleteAsync(string messageId, string popReceipt, CancellationToken cancellationToken);

    /// <summary>Approximate number of messages in the queue (visible and invisible).</summary>
    Task<int> ApproximateCountAsync(CancellationToken cancellationToken);
}

/// <summary>A received message: body text as sent, id, newest pop receipt, and how often it has been received.</summary>
public sealed record ReceivedMessage(string MessageId, string PopReceipt, string Body, long DequeueCount, DateTimeOffset? InsertedOn);

/// <summary>The message was deleted or received by someone else; its pop receipt is no longer valid.</summary>
public sealed class MessageLostException(string messageId, Exception? inner = null)
    : Exception($"Queue message '{messageId}' is no longer held by this worker (its pop receipt is stale or it was deleted).", inner)
{
    public string MessageId { get; } = messageId;
}
