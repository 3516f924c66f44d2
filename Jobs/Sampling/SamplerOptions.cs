namespace ScoreBatch.Jobs.Sampling;

/// <summary>Options of <see cref="Sampler"/>; every default has its reason beside it.</summary>
public sealed record SamplerOptions
{
    /// <summary>Values of params.sampler, in <see cref="SamplerKind"/> order.</summary>
    public static IReadOnlyList<string> KindNames { get; } = ["rk4", "rk45", "sde", "pc"];

    /// <summary>RK4 on the probability-flow ODE: deterministic given the prior draw, what SCIENCE.md 6 prescribes.</summary>
    public SamplerKind Kind { get; init; } = SamplerKind.Rk4;

    /// <summary>Steps of the fixed-step samplers (RK4, Euler-Maruyama): 100, i.e. dt = 0.1 over the VP prior's T = 10.</summary>
    public int Steps { get; init; } = 100;

    /// <summary>Tolerances of RK45; 1e-4 is ample for pictures (the likelihood uses 1e-5).</summary>
    public AdaptiveOptions Adaptive { get; init; } = new() { RelativeTolerance = 1e-4, AbsoluteTolerance = 1e-4 };

    /// <summary>
    /// Where integration stops, as a fraction of T: 1e-4 (t = 1e-3 at T = 10, score_sde's sampling epsilon), since
    /// s(t) -> 0 at t = 0 and the learned score is poorest there.
    /// </summary>
    public double EndFraction { get; init; } = 1e-4;

    /// <summary>
    /// Langevin corrector steps per predictor step of "sde" and "pc": 0 (plain Euler-Maruyama for "sde"); the job
    /// asks for <see cref="PcCorrectorSteps"/> when "pc" is chosen without a count.
    /// </summary>
    public int CorrectorSteps { get; init; }

    /// <summary>Corrector steps of "pc" when none are given: 1, score_sde's PC sampler for VE.</summary>
    public const int PcCorrectorSteps = 1;

    /// <summary>Signal-to-noise ratio of the Langevin corrector: 0.16, score_sde's setting for images.</summary>
    public double Snr { get; init; } = 0.16;

    /// <summary>Throws naming the first bad field.</summary>
    public SamplerOptions Validate()
    {
        if (!Enum.IsDefined(Kind)) throw new ArgumentOutOfRangeException(nameof(Kind), Kind, "unknown sampler");
        if (Steps is < 1 or > 100_000) throw new ArgumentOutOfRangeException(nameof(Steps), Steps, "steps must be in [1, 100000]");
        Adaptive.Validate();
        if (!(EndFraction > 0 && EndFraction < 1)) throw new ArgumentOutOfRangeException(nameof(EndFraction), EndFraction, "end fraction must be in (0, 1)");
        if (CorrectorSteps is < 0 or > 100) throw new ArgumentOutOfRangeException(nameof(CorrectorSteps), CorrectorSteps, "corrector steps must be in [0, 100]");
        if (!(Snr > 0 && Snr < 10)) throw new ArgumentOutOfRangeException(nameof(Snr), Snr, "snr must be in (0, 10)");
        return this;
    }
}
