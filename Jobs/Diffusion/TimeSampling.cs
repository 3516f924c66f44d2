namespace ScoreBatch.Jobs.Diffusion;

/// <summary>How training draws diffusion times (<see cref="StratifiedTimeSampler"/>). Append-only names.</summary>
public static class TimeSampling
{
    /// <summary>Stratified uniform on [0, T]: the released galaxy priors' recipe.</summary>
    public const string Uniform = "uniform";

    /// <summary>Stratified log-uniform on [0.001, T] with importance weights (same objective, more training at small t).</summary>
    public const string LogUniform = "log_uniform";

    public static IReadOnlyList<string> Names { get; } = [Uniform, LogUniform];

    /// <summary>Returns <paramref name="name"/> when known; throws naming the known ones otherwise.</summary>
    public static string Check(string name) =>
        Names.Contains(name) ? name : throw new ArgumentException($"time sampling '{name}' is unknown (known: {string.Join(", ", Names)})");
}
