using ScoreBatch.Jobs.Sampling;

namespace ScoreBatch.Jobs.Likelihood;

/// <summary>Options of <see cref="LikelihoodEstimator"/> (SCIENCE.md 7); every default has its reason beside it.</summary>
public sealed record LikelihoodOptions
{
    /// <summary>
    /// Rademacher probes per cutout: 4. Each probe gives its own estimate of log p along one shared trajectory (one
    /// vector-Jacobian product per probe per evaluation), so their spread gives a standard error; 1 is score_sde's choice.
    /// </summary>
    public int Probes { get; init; } = 4;

    /// <summary>RK45 tolerances: rtol = atol = 1e-5, as score_sde computes likelihoods.</summary>
    public AdaptiveOptions Adaptive { get; init; } = new();

    /// <summary>Start time of the integration: 1e-5 (score_sde's likelihood epsilon; the VP clamp s² >= 1e-5 sits there too).</summary>
    public double StartTime { get; init; } = 1e-5;

    /// <summary>Mixed into every cutout's probe seed, so a job can draw other probes; the default 0 keeps the id's own.</summary>
    public long Seed { get; init; }

    /// <summary>Throws naming the first bad field.</summary>
    public LikelihoodOptions Validate()
    {
        if (Probes is < 1 or > 64) throw new ArgumentOutOfRangeException(nameof(Probes), Probes, "probes must be in [1, 64]");
        Adaptive.Validate();
        if (!(StartTime > 0 && StartTime < 1)) throw new ArgumentOutOfRangeException(nameof(StartTime), StartTime, "start time must be in (0, 1)");
        return this;
    }
}
