using ScoreBatch.Jobs.Runtime;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Diffusion;

/// <summary>
/// Stratified diffusion times (SCIENCE.md 3):
/// <list type="bullet">
/// <item><see cref="TimeSampling.Uniform"/> (the released recipe): in a batch of B, t_i = (i + u_i)·T/B with
/// u_i ~ U(0, 1), so every batch covers [0, T] evenly; no weights. A process that starts at t0 &gt; 0 (VE) gets
/// t_i = t0 + (i + u_i)·(T - t0)/B on [t0, T].</item>
/// <item><see cref="TimeSampling.LogUniform"/>: ln t_i = ln t_min + (i + u_i)/B · ln(T/t_min), so each decade of t gets
/// the same share (uniform puts 1 % of the times below 0.1, where scoring happens); no weights.</item>
/// <item><see cref="TimeSampling.LogUniformWeighted"/>: the same times with importance weights
/// w(t) = p_uniform(t)/p_log(t) = t·ln(T/t_min)/(T - t0), an unbiased estimate of the uniform objective. The interval
/// [0, t_min] is left out: its share of that objective is at most t_min/T.</item>
/// </list>
/// </summary>
public sealed class StratifiedTimeSampler
{
    /// <summary>Smallest time of the log-uniform samplings: s(1e-4) = 0.01 in y units, below any cutout's noise.</summary>
    public const double DefaultMinTime = 1e-4;

    /// <param name="t">End time T of the process.</param>
    /// <param name="sampling">A <see cref="TimeSampling"/> name.</param>
    /// <param name="minTime">Smallest time of the log-uniform samplings; at least <paramref name="startTime"/>.</param>
    /// <param name="startTime">The process's <see cref="INoiseProcess.StartTime"/> t0 (0 for VP).</param>
    public StratifiedTimeSampler(double t, string sampling = TimeSampling.Uniform, double minTime = DefaultMinTime, double startTime = 0)
    {
        T = t > 0 && double.IsFinite(t) ? t : throw new ArgumentOutOfRangeException(nameof(t), t, "T must be positive");
        Sampling = TimeSampling.Check(sampling);
        if (!(startTime >= 0 && startTime < t))
            throw new ArgumentOutOfRangeException(nameof(startTime), startTime, $"the start time must be in [0, T = {t})");
        if (!(minTime > 0 && minTime >= startTime && minTime < t))
            throw new ArgumentOutOfRangeException(nameof(minTime), minTime, $"the smallest time must be in (0, T = {t}) and at least the start time {startTime}");
        MinTime = minTime;
        StartTime = startTime;
    }

    /// <summary>Builds the sampler for <paramref name="process"/>'s [t0, T].</summary>
    public static StratifiedTimeSampler For(INoiseProcess process, string sampling = TimeSampling.Uniform)
    {
        ArgumentNullException.ThrowIfNull(process);
        return new StratifiedTimeSampler(process.T, sampling, Math.Max(DefaultMinTime, process.StartTime), process.StartTime);
    }

    public double T { get; }

    /// <summary>Start time t0 of the process: uniform times are drawn on [t0, T].</summary>
    public double StartTime { get; }

    public string Sampling { get; }

    public double MinTime { get; }

    /// <summary>Draws [<paramref name="batch"/>] times in increasing strata, in float32.</summary>
    public Tensor Sample(int batch, Generator? generator = null)
    {
        if (batch <= 0) throw new ArgumentOutOfRangeException(nameof(batch), batch, "batch must be positive");
        using var scope = NewDisposeScope();
        var u = rand([batch], dtype: ScalarType.Float64, generator: generator); // device: CPU, seeded draws the trainer moves, the same on every device
        var i = TorchScalars.Arange(batch, ScalarType.Float64);
        var strata = i.Plus(u).DividedBy(batch); // [B] in (0, 1), increasing
        var t = Sampling != TimeSampling.Uniform
            ? strata.Times(Math.Log(T / MinTime)).Plus(Math.Log(MinTime)).exp()
            : StartTime > 0 ? strata.Times(T - StartTime).Plus(StartTime) : strata.Times(T);
        return t.to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>Importance weights for times <paramref name="t"/> [N] drawn by <see cref="Sample"/>: [N] in t's dtype (null when unweighted: all 1).</summary>
    public Tensor? Weights(Tensor t)
    {
        ArgumentNullException.ThrowIfNull(t);
        if (Sampling != TimeSampling.LogUniformWeighted) return null;
        using var scope = NewDisposeScope();
        return t.to(ScalarType.Float64).Times(Math.Log(T / MinTime) / (T - StartTime)).to(t.dtype).MoveToOuterDisposeScope();
    }
}
