namespace ScoreBatch.Jobs.Scoring;

/// <summary>How cutouts are scored (SCIENCE.md 5).</summary>
public sealed record ScoringOptions
{
    /// <summary>Smallest and largest temperature accepted: below 0.001 the VP std (0.032) is far below anything the
    /// network saw often in training; above 0.1 the score mostly reflects the noise, not the image.</summary>
    public const double MinT = 0.001, MaxT = 0.1;

    /// <summary>Diffusion time at which the clean image is scored (default 0.02: sigma = 0.141 in y units; scarlet2 documents 0.05).</summary>
    public double T { get; init; } = 0.02;

    /// <summary>Cutouts per forward pass (default 64: a 64² mixer batch is ~1 MB of input and fits any device).</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>
    /// |g_x| above which a pixel counts towards frac_above (default 100, x-space score units). Where the prior is
    /// sure a pixel should be empty, its ideal score under log1p at t = 0.02 is g_x = -ln(1 + x)/(0.01·s²·(1 + x))
    /// ≈ -5050·x, so 100 flags unexplained flux of about 2 % of the peak. Scale it with 1/s² for other t.
    /// </summary>
    public double Threshold { get; init; } = 100;

    /// <summary>Add the log-Jacobian term of the data transform (-1/(1 + x) for log1p) that the original priors leave out (default false, as the original).</summary>
    public bool IncludeLogJacobian { get; init; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the bad value; returns this for chaining.</summary>
    public ScoringOptions Validate()
    {
        if (!(T >= MinT && T <= MaxT))
            throw new ArgumentOutOfRangeException(nameof(T), T, $"t must be between {MinT} and {MaxT}, got {T}");
        if (BatchSize < 1 || BatchSize > 4096)
            throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, $"batch must be between 1 and 4096, got {BatchSize}");
        if (!(Threshold >= 0) || !double.IsFinite(Threshold))
            throw new ArgumentOutOfRangeException(nameof(Threshold), Threshold, $"threshold must be a finite number >= 0, got {Threshold}");
        return this;
    }
}
