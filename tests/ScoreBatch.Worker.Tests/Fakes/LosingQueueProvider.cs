using ScoreBatch.Storage.Abstractions;

namespace ScoreBatch.Worker.Tests.Fakes;

/// <summary>
/// Wraps a queue provider; counts visibility updates (so tests can wait for a renewal instead of sleeping), and
/// once <see cref="LoseMessages"/> is set, visibility updates and deletes fail with <see cref="MessageLostException"/>,
/// as when another worker has received the message meanwhile.
/// </summary>
public sealed class LosingQueueProvider(IJobQueueProvider inner) : IJobQueueProvider
{
    private int _visibilityUpdates;

    public bool LoseMessages { get; set; }

    /// <summary>Visibility updates attempted so far (renewals and releases).</summary>
    public int VisibilityUpdates => Volatile.Read(ref _visibilityUpdates);

    /// <summary>Completes once at least <paramref name="count"/> visibility updates were attempted.</summary>
    public async Task WaitForVisibilityUpdatesAsync(int count, CancellationToken ct)
    {
        while (VisibilityUpdates < count) await Task.Delay(1, ct);
    }

    public IJobQueue GetQueue(string name) => new Losing(inner.GetQueue(name), this);

    private sealed class Losing(IJobQueue q, LosingQueueProvider owner) : IJobQueue
    {
        public string Name => q.Name;
        public Task SendAsync(string body, CancellationToken ct) => q.SendAsync(body, ct);
        public Task<IReadOnlyList<ReceivedMessage>> ReceiveAsync(int n, TimeSpan v, CancellationToken ct) => q.ReceiveAsync(n, v, ct);
        public Task<int> ApproximateCountAsync(CancellationToken ct) => q.ApproximateCountAsync(ct);

        public Task<string> UpdateVisibilityAsync(string id, string receipt, TimeSpan v, CancellationToken ct)
        {
            Interlocked.Increment(ref owner._visibilityUpdates);
            return owner.LoseMessages ? throw new MessageLostException(id) : q.UpdateVisibilityAsync(id, receipt, v, ct);
        }

        public Task DeleteAsync(string id, string receipt, CancellationToken ct)
            => owner.LoseMessages ? throw new MessageLostException(id) : q.DeleteAsync(id, receipt, ct);
    }
}
