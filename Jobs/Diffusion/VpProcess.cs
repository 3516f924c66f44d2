using ScoreBatch.Jobs.Runtime;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Diffusion;

/// <summary>
/// Variance-preserving SDE with constant beta (SCIENCE.md 2): dy = -beta/2·y dt + sqrt(beta) dW.
/// a(t) = exp(-beta·t/2), s(t)² = 1 - exp(-beta·t) clamped at >= <see cref="MinVariance"/>; prior N(0, I).
/// Defaults beta = 1, T = 10 are those of the released galaxy priors.
/// </summary>
public sealed class VpProcess : INoiseProcess
{
    /// <summary>Lower clamp of s(t)² so that s(0) > 0 and the loss weight never vanishes exactly.</summary>
    public const double MinVariance = 1e-5;

    public VpProcess(double beta = 1.0, double t = 10.0)
    {
        if (!(beta > 0) || !double.IsFinite(beta)) throw new ArgumentOutOfRangeException(nameof(beta), beta, "beta must be positive and finite");
        if (!(t > 0) || !double.IsFinite(t)) throw new ArgumentOutOfRangeException(nameof(t), t, "T must be positive and finite");
        Beta = beta;
        T = t;
    }

    public double Beta { get; }

    public NoiseProcessSpec Spec => new(NoiseProcesses.Vp, new Dictionary<string, double> { ["beta"] = Beta, ["T"] = T });

    public double T { get; }

    public Tensor Drift(Tensor y, Tensor t) => y.Times(-0.5 * Beta);

    public double Diffusion(double t) => Math.Sqrt(Beta);

    public double MarginalMean(double t) => Math.Exp(-0.5 * Beta * t);

    public double MarginalStd(double t) => Math.Sqrt(Math.Max(-double.ExpM1(-Beta * t), MinVariance));

    public Tensor MarginalMean(Tensor t)
    {
        using var scope = NewDisposeScope();
        return exp(t.to(ScalarType.Float64).Times(-0.5 * Beta)).to(t.dtype).MoveToOuterDisposeScope();
    }

    public Tensor MarginalStd(Tensor t)
    {
        using var scope = NewDisposeScope();
        // 1 - exp(-beta t) = -expm1(-beta t), accurate for small t.
        var variance = expm1(t.to(ScalarType.Float64).Times(-Beta)).neg().ClampMin(MinVariance);
        return variance.sqrt().to(t.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>Closed form of s/a = sigma: e^(beta t) - 1 = sigma² (above the clamp), so t = ln(1 + sigma²)/beta, at most T.</summary>
    public double TimeForNoise(double sigma)
    {
        if (!(sigma >= 0) || !double.IsFinite(sigma)) throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "noise std must be finite and >= 0");
        return Math.Min(T, Math.Log(1 + (sigma * sigma)) / Beta);
    }

    public Tensor PriorSample(long[] shape, Generator? generator = null, ScalarType dtype = ScalarType.Float32) =>
        randn(shape, dtype: dtype, generator: generator); // device: CPU, seeded draws the samplers move, the same on every device

    public Tensor PriorLogDensity(Tensor y)
    {
        using var scope = NewDisposeScope();
        var flat = y.to(ScalarType.Float64).flatten(1);
        var d = flat.shape[1];
        return flat.Squared().sum(1).Times(-0.5).Minus(0.5 * d * Math.Log(2 * Math.PI)).MoveToOuterDisposeScope();
    }
}
