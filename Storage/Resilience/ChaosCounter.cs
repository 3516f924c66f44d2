namespace ScoreBatch.Storage.Resilience;

/// <summary>
/// Process-wide counts of what the chaos strategies injected (see <see cref="ChaosOptions"/>), so a fault-injection
/// run can report how many faults and delays its jobs survived. Each injection is also logged by the pipeline.
/// </summary>
public static class ChaosCounter
{
    private static long _faults;
    private static long _latencies;

    /// <summary>Transient faults injected since the process started.</summary>
    public static long Faults => Interlocked.Read(ref _faults);

    /// <summary>Delays injected since the process started.</summary>
    public static long Latencies => Interlocked.Read(ref _latencies);

    public static void RecordFault(string pipeline)
    {
        ArgumentException.ThrowIfNullOrEmpty(pipeline);
        Interlocked.Increment(ref _faults);
    }

    public static void RecordLatency(string pipeline)
    {
        ArgumentException.ThrowIfNullOrEmpty(pipeline);
        Interlocked.Increment(ref _latencies);
    }
}
