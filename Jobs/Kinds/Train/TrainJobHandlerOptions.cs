namespace ScoreBatch.Jobs.Kinds.Train;

/// <summary>
/// How a training job treats storage outages (section "ScoreBatch:Training"). A checkpoint, loss log or final model
/// write that still fails after the storage pipeline's own retries (about 8 s) is tried again with back-off while
/// training waits, up to <see cref="StorageOutageBudget"/>: no step is lost and the attempt goes on where it was.
/// Reads at the start (inputs, resume checkpoint) are not covered: failing there costs nothing, the message is
/// redelivered.
/// </summary>
public sealed class TrainJobHandlerOptions
{
    public const string SectionName = "ScoreBatch:Training";

    /// <summary>Longest a write waits for storage to come back. 3 minutes: rides out the 60 s outage the worker must
    /// survive three times over, and stays below the default 5-minute visibility timeout, so the message is still
    /// hidden (renewal resumes as soon as storage answers) when the write finally lands.</summary>
    public TimeSpan StorageOutageBudget { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>First wait after a failed write; doubled after each further failure.</summary>
    public TimeSpan OutageFirstDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Cap on one wait (15 s: storage coming back is noticed within that).</summary>
    public TimeSpan OutageMaxDelay { get; set; } = TimeSpan.FromSeconds(15);

    public TrainJobHandlerOptions Validate()
    {
        if (StorageOutageBudget < TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(StorageOutageBudget), StorageOutageBudget, $"{SectionName}:StorageOutageBudget must not be negative, got {StorageOutageBudget}");
        if (OutageFirstDelay <= TimeSpan.Zero || OutageMaxDelay < OutageFirstDelay)
            throw new ArgumentOutOfRangeException(nameof(OutageFirstDelay), OutageFirstDelay,
                $"{SectionName}:OutageFirstDelay must be positive and at most OutageMaxDelay ({OutageMaxDelay}), got {OutageFirstDelay}");
        return this;
    }
}
