using ScoreBatch.Storage.Abstractions;

namespace ScoreBatch.Storage.InMemory;

/// <summary>
/// An in-memory queue with Azure Storage queue semantics, driven by an injected <see cref="TimeProvider"/>:
/// received messages are invisible until their visibility timeout passes, each receive issues a new pop receipt
/// and increments the dequeue count, and updates or deletes with a stale receipt throw <see cref="MessageLostException"/>.
/// </summary>
public sealed class InMemoryJobQueue(string name, TimeProvider? time = null) : IJobQueue
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Lock _gate = new();
    private readonly List<Slot> _messages = [];
    private long _nextId;

    private sealed class Slot(string id, string body, DateTimeOffset insertedOn)
    {
        public string Id { get; } = id;
        public string Body { get; } = body;
        public DateTimeOffset InsertedOn { get; } = insertedOn;
        public DateTimeOffset VisibleAt { get; set; } = insertedOn;
        public string? PopReceipt { get; set; }
        public long DequeueCount { get; set; }
    }

    public string Name { get; } = name;

    /// <summary>Bodies of all messages, visible or not, oldest first (for assertions).</summary>
    public IReadOnlyList<string> Snapshot()
    {
        lock (_gate) return [.. _messages.Select(m => m.Body)];
    }

    /// <summary>Number of messages a receive would return now.</summary>
    public int VisibleCount()
    {
        var now = _time.GetUtcNow();
        lock (_gate) return _messages.Count(m => m.VisibleAt <= now);
    }

    public Task SendAsync(string body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            _messages.Add(new Slot($"m{++_nextId:D6}", body, _time.GetUtcNow()));
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<ReceivedMessage>> ReceiveAsync(int maxMessages, TimeSpan visibility, CancellationToken cancellationToken)
    {
        if (maxMessages is < 1 or > 32) throw new ArgumentOutOfRangeException(nameof(maxMessages), maxMessages, "must be between 1 and 32");
        if (visibility < TimeSpan.FromSeconds(1)) throw new ArgumentOutOfRangeException(nameof(visibility), visibility, "must be at least 1 s");
        cancellationToken.ThrowIfCancellationRequested();
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            var taken = new List<ReceivedMessage>();
            foreach (var m in _messages.Where(m => m.VisibleAt <= now).Take(maxMessages))
            {
                m.VisibleAt = now + visibility;
                m.PopReceipt = Guid.NewGuid().ToString("N");
                m.DequeueCount++;
                taken.Add(new ReceivedMessage(m.Id, m.PopReceipt, m.Body, m.DequeueCount, m.InsertedOn));
            }
            return Task.FromResult<IReadOnlyList<ReceivedMessage>>(taken);
        }
    }

    public Task<string> UpdateVisibilityAsync(string messageId, string popReceipt, TimeSpan visibility, CancellationToken cancellationToken)
    {
        if (visibility < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(visibility), visibility, "must not be negative");
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var m = Held(messageId, popReceipt);
            m.VisibleAt = _time.GetUtcNow() + visibility;
            m.PopReceipt = Guid.NewGuid().ToString("N");
            return Task.FromResult(m.PopReceipt);
        }
    }

    public Task DeleteAsync(string messageId, string popReceipt, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            _messages.Remove(Held(messageId, popReceipt));
        }
        return Task.CompletedTask;
    }

    public Task<int> ApproximateCountAsync(CancellationToken cancellationToken)
    {
        lock (_gate) return Task.FromResult(_messages.Count);
    }

    private Slot Held(string messageId, string popReceipt)
        => _messages.Find(m => m.Id == messageId && m.PopReceipt == popReceipt) ?? throw new MessageLostException(messageId);
}
