namespace ScoreBatch.Worker.Runner;

/// <summary>
/// The wait between receives on an empty queue: starts at the minimum, doubles after every empty receive up to the
/// maximum, and resets when a message arrives. Each wait is jittered to 50-100 % of its value so that many idle
/// workers do not poll in lock step.
/// </summary>
public sealed class PollingBackoff
{
    private readonly TimeSpan _min;
    private readonly TimeSpan _max;
    private readonly Random _random;
    private TimeSpan _current;

    public PollingBackoff(TimeSpan min, TimeSpan max, Random? random = null)
    {
        if (min <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(min), min, "must be positive");
        if (max < min) throw new ArgumentOutOfRangeException(nameof(max), max, $"must be at least min ({min})");
        (_min, _max, _random, _current) = (min, max, random ?? Random.Shared, min);
    }

    /// <summary>The next wait after an empty receive (jittered), then doubles the base.</summary>
    public TimeSpan NextDelay()
    {
        var delay = _current * (0.5 + 0.5 * _random.NextDouble());
        _current = TimeSpan.FromTicks(Math.Min(_max.Ticks, _current.Ticks * 2));
        return delay;
    }

    /// <summary>A message arrived: the next empty receive waits the minimum again.</summary>
    public void Reset() => _current = _min;
}
