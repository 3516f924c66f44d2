namespace ScoreBatch.Jobs.Contracts;

/// <summary>
/// The job-wide count of input cutouts for one attempt: every reader of input files charges each file's cutouts here
/// (from its headers, before a pixel is decoded: JobCutoutReader in Jobs/Handlers), whatever the kind and
/// whichever read path (the streaming pipeline or the read-all of train, calibrate and sample). Past
/// <see cref="Max"/> the job is refused with a <see cref="JobValidationException"/> on "input" naming
/// <see cref="JobLimitSettings.MaxCutoutsPerJob"/>. Thread-safe: the pipeline's downloads charge concurrently.
/// </summary>
/// <param name="max">Most cutouts the attempt may read (the worker's ScoreBatch:Limits:MaxCutoutsPerJob); default none.</param>
public sealed class CutoutBudget(long max = long.MaxValue)
{
    private long _counted;

    /// <summary>Most cutouts the attempt may read.</summary>
    public long Max { get; } = max >= 1 ? max : throw new ArgumentOutOfRangeException(nameof(max), max, "must be at least 1");

    /// <summary>Cutouts charged so far.</summary>
    public long Counted => Interlocked.Read(ref _counted);

    /// <summary>Charges <paramref name="cutouts"/> read from <paramref name="path"/>; throws once the total passes <see cref="Max"/>.</summary>
    public void Charge(string path, long cutouts)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(cutouts);
        var total = Interlocked.Add(ref _counted, cutouts);
        if (total > Max)
            throw new JobValidationException("input",
                $"holds more than {Max} cutouts ({total} counted by '{path}'; {JobLimitSettings.MaxCutoutsPerJob}); split the job");
    }
}
