using ScoreBatch.Jobs.Runtime;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Diffusion;

/// <summary>
/// Variance-exploding SDE of NCSN++ (SCIENCE.md 2; Song et al. 2021): dy = sqrt(d[sigma²]/dt) dW with
/// sigma(t) = sigma_min·(sigma_max/sigma_min)^(t/T), so a(t) = 1, s(t) = sigma(t), drift 0 and
/// g(t) = sigma(t)·sqrt(2·ln(sigma_max/sigma_min)/T). Times live on [<see cref="Epsilon"/>·T, T] (the process is
/// not defined down to sigma = 0); the prior at T is N(0, sigma_max² I). Defaults sigma_min = 0.01, T = 1;
/// sigma_max is the largest pairwise distance of the training images (<see cref="VeSigmaMax"/>) or 50.
/// </summary>
public sealed class VeProcess : INoiseProcess
{
    /// <summary>Smallest time, as a fraction of T: 1e-5, as in Song et al.'s VE SDE.</summary>
    public const double Epsilon = 1e-5;

    public VeProcess(double sigmaMin = 0.01, double sigmaMax = 50.0, double t = 1.0)
    {
        if (!(sigmaMin > 0) || !double.IsFinite(sigmaMin)) throw new ArgumentOutOfRangeException(nameof(sigmaMin), sigmaMin, "sigma_min must be positive and finite");
        if (!(sigmaMax > sigmaMin) || !double.IsFinite(sigmaMax)) throw new ArgumentOutOfRangeException(nameof(sigmaMax), sigmaMax, $"sigma_max must be finite and above sigma_min = {sigmaMin}");
        if (!(t > 0) || !double.IsFinite(t)) throw new ArgumentOutOfRangeException(nameof(t), t, "T must be positive and finite");
        SigmaMin = sigmaMin;
        SigmaMax = sigmaMax;
        T = t;
    }

    public double SigmaMin { get; }

    public double SigmaMax { get; }

    /// <summary>ln(sigma_max / sigma_min) / T: d ln sigma / dt.</summary>
    private double Rate => Math.Log(SigmaMax / SigmaMin) / T;

    public NoiseProcessSpec Spec => new(NoiseProcesses.Ve, new Dictionary<string, double> { ["sigma_min"] = SigmaMin, ["sigma_max"] = SigmaMax, ["T"] = T });

    public double T { get; }

    /// <summary>Epsilon·T = 1e-5 at T = 1.</summary>
    public double StartTime => Epsilon * T;

    public Tensor Drift(Tensor y, Tensor t) => zeros_like(y);

    /// <summary>g(t) = sqrt(d sigma²/dt) = sigma(t)·sqrt(2·ln(sigma_max/sigma_min)/T).</summary>
    public double Diffusion(double t) => MarginalStd(t) * Math.Sqrt(2 * Rate);

    public double MarginalMean(double t) => 1.0;

    public double MarginalStd(double t) => SigmaMin * Math.Exp(Rate * t);

    public Tensor MarginalMean(Tensor t) => ones_like(t);

    public Tensor MarginalStd(Tensor t)
    {
        using var scope = NewDisposeScope();
        return exp(t.to(ScalarType.Float64).Times(Rate)).Times(SigmaMin).to(t.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>Closed form of sigma(t) = <paramref name="sigma"/>: t = ln(sigma/sigma_min)/rate, clamped to [<see cref="StartTime"/>, T].</summary>
    public double TimeForNoise(double sigma)
    {
        if (!(sigma >= 0) || !double.IsFinite(sigma)) throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "noise std must be finite and >= 0");
        if (sigma <= SigmaMin) return StartTime;
        return Math.Clamp(Math.Log(sigma / SigmaMin) / Rate, StartTime, T);
    }

    public Tensor PriorSample(long[] shape, Generator? generator = null, ScalarType dtype = ScalarType.Float32)
    {
        using var scope = NewDisposeScope();
        // device: CPU, seeded draws the samplers move, the same on every device
        return randn(shape, dtype: dtype, generator: generator).Times(SigmaMax).MoveToOuterDisposeScope();
    }

    /// <summary>log N(y; 0, sigma_max² I) = -|y|²/(2 sigma_max²) - D/2·ln(2π sigma_max²).</summary>
    public Tensor PriorLogDensity(Tensor y)
    {
        using var scope = NewDisposeScope();
        var flat = y.to(ScalarType.Float64).flatten(1);
        var d = flat.shape[1];
        return flat.Squared().sum(1).Times(-0.5 / (SigmaMax * SigmaMax))
            .Minus(0.5 * d * Math.Log(2 * Math.PI * SigmaMax * SigmaMax)).MoveToOuterDisposeScope();
    }
}
