using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using ScoreBatch.Storage.Abstractions;

namespace ScoreBatch.Storage.Azure;

/// <summary>
/// <see cref="IJobQueue"/> on an Azure Storage queue (or Azurite). Bodies are sent and returned as text exactly as
/// given (the client's MessageEncoding stays None); base64 decoding, when a client sent base64, is the parser's job.
/// The queue is created on first use.
/// </summary>
public sealed class AzureJobQueue(QueueClient client) : IJobQueue
{
    private readonly Lock _gate = new();
    private Task? _created;

    public string Name => client.Name;

    public async Task SendAsync(string body, CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        await client.SendMessageAsync(body, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<ReceivedMessage>> ReceiveAsync(int maxMessages, TimeSpan visibility, CancellationToken cancellationToken)
    {
        if (maxMessages is < 1 or > 32) throw new ArgumentOutOfRangeException(nameof(maxMessages), maxMessages, "must be between 1 and 32");
        await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var r = await client.ReceiveMessagesAsync(maxMessages, visibility, cancellationToken).ConfigureAwait(false);
        return [.. r.Value.Select(m => new ReceivedMessage(m.MessageId, m.PopReceipt, m.Body.ToString(), m.DequeueCount, m.InsertedOn))];
    }

    public async Task<string> UpdateVisibilityAsync(string messageId, string popReceipt, TimeSpan visibility, CancellationToken cancellationToken)
    {
        try
        {
            var r = await client.UpdateMessageAsync(messageId, popReceipt, visibilityTimeout: visibility, cancellationToken: cancellationToken)
                .ConfigureAwait(false);
            return r.Value.PopReceipt;
        }
        catch (RequestFailedException ex) when (IsLost(ex))
        {
            throw new MessageLostException(messageId, ex);
        }
    }

    public async Task DeleteAsync(string messageId, string popReceipt, CancellationToken cancellationToken)
    {
        try
        {
            await client.DeleteMessageAsync(messageId, popReceipt, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (IsLost(ex))
        {
            throw new MessageLostException(messageId, ex);
        }
    }

    public async Task<int> ApproximateCountAsync(CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        QueueProperties p = await client.GetPropertiesAsync(cancellationToken).ConfigureAwait(false);
        return p.ApproximateMessagesCount;
    }

    // Created once; a failed attempt (storage not up yet) is forgotten so the next call tries again.
    private Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_created is null || _created.IsFaulted || _created.IsCanceled)
                _created = client.CreateIfNotExistsAsync(cancellationToken: CancellationToken.None);
            return _created.WaitAsync(cancellationToken);
        }
    }

    // 404 MessageNotFound: deleted or expired; 400 PopReceiptMismatch: someone else received it since.
    private static bool IsLost(RequestFailedException ex)
        => ex.Status == 404 || ex.ErrorCode == QueueErrorCode.MessageNotFound || ex.ErrorCode == QueueErrorCode.PopReceiptMismatch;
}
