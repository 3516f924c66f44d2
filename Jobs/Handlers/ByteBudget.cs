namespace ScoreBatch.Jobs.Handlers;

/// <summary>
/// An async budget of bytes: <see cref="AcquireAsync"/> waits until the bytes fit beside those held (or nothing is
/// held, so one item larger than the whole budget still goes through, alone), <see cref="Release"/> gives them back.
/// Waiters are served in order. A cancelled wait keeps its place and, when served, holds its bytes: a budget lives
/// for one pipeline run, which a cancellation ends.
/// </summary>
internal sealed class ByteBudget(long capacity)
{
    private readonly Lock _gate = new();
    private readonly Queue<(long Bytes, TaskCompletionSource Ready)> _waiting = new();
    private long _held;

    /// <summary>Bytes held now.</summary>
    public long Held
    {
        get { lock (_gate) return _held; }
    }

    public Task AcquireAsync(long bytes, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        TaskCompletionSource ready;
        lock (_gate)
        {
            if (_waiting.Count == 0 && Fits(bytes))
            {
                _held += bytes;
                return Task.CompletedTask;
            }
            ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiting.Enqueue((bytes, ready));
        }
        return ready.Task.WaitAsync(cancellationToken);
    }

    public void Release(long bytes)
    {
        lock (_gate)
        {
            _held = Math.Max(0, _held - bytes);
            while (_waiting.Count > 0 && Fits(_waiting.Peek().Bytes))
            {
                var (next, ready) = _waiting.Dequeue();
                _held += next;
                ready.TrySetResult();
            }
        }
    }

    private bool Fits(long bytes) => _held == 0 || _held + bytes <= capacity;
}
