namespace ScoreBatch.Worker.Runner;

/// <summary>
/// Whether this worker should be sent work, as the readiness probe reports it: ready once the runner polls and its
/// last receive reached the queue; not ready while the queue cannot be reached or once the worker drains
/// (SIGTERM, a preemption notice). Liveness is the heartbeat's business (<see cref="Heartbeat.LastBeat"/>).
/// </summary>
public sealed class WorkerReadiness
{
    private readonly Lock _gate = new();
    private bool _polling;
    private bool _draining;
    private string? _queueError = "the runner has not polled yet";

    /// <summary>True when the worker takes work: polling, the queue answering, not draining.</summary>
    public bool IsReady
    {
        get { lock (_gate) return _polling && !_draining && _queueError is null; }
    }

    /// <summary>One line for the probe's body: "ready" or why not.</summary>
    public string Describe()
    {
        lock (_gate)
        {
            if (_draining) return "draining";
            if (!_polling) return "not polling";
            return _queueError is null ? "ready" : "queue unreachable: " + _queueError;
        }
    }

    /// <summary>The runner started its slots.</summary>
    public void Polling()
    {
        lock (_gate) _polling = true;
    }

    /// <summary>A receive reached the queue (null) or failed with <paramref name="error"/>.</summary>
    public void QueueAnswered(string? error)
    {
        lock (_gate) _queueError = error;
    }

    /// <summary>The worker stops taking work (shutdown or preemption); never undone.</summary>
    public void Draining()
    {
        lock (_gate) _draining = true;
    }
}
