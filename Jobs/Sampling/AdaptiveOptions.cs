namespace ScoreBatch.Jobs.Sampling;

/// <summary>Tolerances of the adaptive RK45 solver (<see cref="DormandPrinceSolver"/>).</summary>
public sealed record AdaptiveOptions
{
    /// <summary>Relative tolerance per state element: 1e-5, score_sde's likelihood setting (SCIENCE.md 7).</summary>
    public double RelativeTolerance { get; init; } = 1e-5;

    /// <summary>Absolute tolerance per state element: 1e-5, as above.</summary>
    public double AbsoluteTolerance { get; init; } = 1e-5;

    /// <summary>Attempted steps before giving up: 10,000 (a sane score needs tens to hundreds).</summary>
    public int MaxSteps { get; init; } = 10_000;

    /// <summary>Throws naming the first bad field.</summary>
    public AdaptiveOptions Validate()
    {
        if (!(RelativeTolerance > 0 && RelativeTolerance < 1)) throw new ArgumentOutOfRangeException(nameof(RelativeTolerance), RelativeTolerance, "rtol must be in (0, 1)");
        if (!(AbsoluteTolerance > 0 && AbsoluteTolerance < 1)) throw new ArgumentOutOfRangeException(nameof(AbsoluteTolerance), AbsoluteTolerance, "atol must be in (0, 1)");
        if (MaxSteps < 1) throw new ArgumentOutOfRangeException(nameof(MaxSteps), MaxSteps, "max steps must be >= 1");
        return this;
    }
}
