using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Diffusion;

/// <summary>
/// A forward noising SDE dy = f(y, t) dt + g(t) dW on [0, T] with Gaussian marginals
/// y_t | y_0 ~ N(a(t)·y_0, s(t)² I). Loss, samplers and likelihood are written against this interface only.
/// Scalar schedules are computed in double; tensor versions compute in double and cast to the input's dtype at the end.
/// </summary>
public interface INoiseProcess
{
    /// <summary>Name and parameters, recorded in checkpoints and rebuilt by <see cref="NoiseProcesses.Create(NoiseProcessSpec)"/>.</summary>
    NoiseProcessSpec Spec { get; }

    /// <summary>End time T.</summary>
    double T { get; }

    /// <summary>Drift f(y, t): <paramref name="y"/> [N x ...], <paramref name="t"/> [N] -> [N x ...].</summary>
    Tensor Drift(Tensor y, Tensor t);

    /// <summary>Diffusion coefficient g(t).</summary>
    double Diffusion(double t);

    /// <summary>Mean coefficient a(t) of the marginal: E[y_t | y_0] = a(t)·y_0.</summary>
    double MarginalMean(double t);

    /// <summary>Standard deviation s(t) of the marginal.</summary>
    double MarginalStd(double t);

    /// <summary>a(t) per element: <paramref name="t"/> [N] -> [N] in t's dtype.</summary>
    Tensor MarginalMean(Tensor t);

    /// <summary>s(t) per element: <paramref name="t"/> [N] -> [N] in t's dtype.</summary>
    Tensor MarginalStd(Tensor t);

    /// <summary>Samples the prior at T with <paramref name="shape"/> ([N x 1 x H x W]).</summary>
    Tensor PriorSample(long[] shape, Generator? generator = null, ScalarType dtype = ScalarType.Float32);

    /// <summary>log p_T(y) summed over all but the first axis: [N x ...] -> [N] (in double).</summary>
    Tensor PriorLogDensity(Tensor y);

    /// <summary>
    /// The time t at which the marginal, scaled back to data scale (y_t / a(t) = y_0 + (s/a)·z), carries Gaussian
    /// noise of std <paramref name="sigma"/>: s(t)/a(t) = sigma. An observation y_0 + sigma·n is then distributed as
    /// y_t / a(t), so its score is a(t)·s_theta(a(t)·y, t) (SCIENCE.md 5, noise-aware scoring). Clamped to [0, T].
    /// The default solves s/a = sigma by bisection in double; processes with a closed form override it.
    /// </summary>
    double TimeForNoise(double sigma)
    {
        if (!(sigma >= 0) || !double.IsFinite(sigma)) throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "noise std must be finite and >= 0");
        double Ratio(double t) => MarginalStd(t) / MarginalMean(t);
        if (sigma <= Ratio(0)) return 0;
        if (sigma >= Ratio(T)) return T;
        double lo = 0, hi = T;
        for (var i = 0; i < 200 && hi - lo > 1e-12 * T; i++)
        {
            var mid = 0.5 * (lo + hi);
            if (Ratio(mid) < sigma) lo = mid;
            else hi = mid;
        }
        return 0.5 * (lo + hi);
    }
}
