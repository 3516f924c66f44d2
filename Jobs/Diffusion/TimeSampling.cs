namespace ScoreBatch.Jobs.Diffusion;

/// <summary>How training draws diffusion times (<see cref="StratifiedTimeSampler"/>). Append-only names.</summary>
public static class TimeSampling
{
    /// <summary>Stratified uniform on [0, T]: the released galaxy priors' recipe (1 % of the times below t = 0.1).</summary>
    public const string Uniform = "uniform";

    /// <summary>
    /// Stratified uniform in ln t on [1e-4, T], unweighted: the s²-weighted loss becomes the noise-prediction loss
    /// spread evenly over the decades of t, so the small temperatures that scoring uses get their share of training.
    /// A different (still proper) weighting of score matching: the optimum is the same true score. The default for new
    /// training: it is what made calibrated artifact detection work (docs/anomaly.md).
    /// </summary>
    public const string LogUniform = "log_uniform";

    /// <summary>
    /// Stratified log-uniform with importance weights t·ln(T/t_min)/T: an unbiased estimate of the released uniform
    /// objective. Measured: the weights give the small t back almost no gradient, so it trains like uniform.
    /// </summary>
    public const string LogUniformWeighted = "log_uniform_weighted";

    public static IReadOnlyList<string> Names { get; } = [Uniform, LogUniform, LogUniformWeighted];

    /// <summary>Returns <paramref name="name"/> when known; throws naming the known ones otherwise.</summary>
    public static string Check(string name) =>
        Names.Contains(name) ? name : throw new ArgumentException($"time sampling '{name}' is unknown (known: {string.Join(", ", Names)})");
}
