namespace ScoreBatch.Worker.Runner;

/// <summary>
/// Which priority queue a receive tries first: smooth weighted round robin over the weights (high 6, normal 3,
/// low 1 by default), so while every queue has work the turns go 6 : 3 : 1 (interleaved, not in bursts) and a low
/// job waits at most about ten turns, whatever the high queue holds. A turn whose first queue is empty falls
/// through to the others, highest first, so an idle queue's share goes to the busy ones. Thread-safe (one drain
/// per worker, shared by its slots).
/// </summary>
public sealed class PriorityDrain
{
    private readonly Lock _gate = new();
    private readonly int[] _weights;
    private readonly int[] _current;
    private readonly int _total;

    /// <param name="weights">Turns per cycle of high, normal and low; each at least 1.</param>
    public PriorityDrain(IReadOnlyList<int> weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (weights.Count != PriorityQueues.All.Count || weights.Any(w => w < 1))
            throw new ArgumentException($"one weight of at least 1 per priority (high, normal, low), got [{string.Join(", ", weights)}]", nameof(weights));
        _weights = [.. weights];
        _current = new int[_weights.Length];
        _total = _weights.Sum();
    }

    /// <summary>The priorities in the order this turn tries them: the weighted pick first, then the rest highest first.</summary>
    public IReadOnlyList<JobPriority> NextTurn()
    {
        int pick;
        lock (_gate)
        {
            pick = 0;
            for (var i = 0; i < _weights.Length; i++)
            {
                _current[i] += _weights[i];
                if (_current[i] > _current[pick]) pick = i;
            }
            _current[pick] -= _total;
        }
        var order = new List<JobPriority>(_weights.Length) { PriorityQueues.All[pick] };
        order.AddRange(PriorityQueues.All.Where((_, i) => i != pick));
        return order;
    }
}
