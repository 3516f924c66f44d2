using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Diffusion;

/// <summary>
/// A forward noising SDE dy = f(y, t) dt + g(t) dW on [<see cref="StartTime"/>, T] with Gaussian marginals
/// y_t | y_0 ~ N(a(t)·y_0, s(t)² I). Loss, samplers and likelihood are written against this interface only.
/// Scalar schedules are computed in double; tensor versions compute in double and cast to the input's dtype at the end.
/// </summary>
public interface INoiseProcess
{
    /// <summary>Name and parameters, recorded in checkpoints and rebuilt by <see cref="NoiseProcesses.Create(NoiseProcessSpec)"/>.</summary>
    NoiseProcessSpec Spec { get; }

    /// <summary>End time T.</summary>
    double T { get; }

    /// <summary>
    /// Smallest time t0 of the process: 0 for VP, 1e-5 for VE (whose sigma(t) never reaches 0). Training draws times
    /// on [t0, T], and <see cref="TimeForNoise"/> never answers below it.
    /// </summary>
    double StartTime => 0;

    /// <summary>
    /// Denoising score matching weight lambda(t) divided by s(t)², per element of <paramref name="t"/> [N]; null when
    /// lambda = s² exactly (VP and VE both use it, SCIENCE.md 3), so the loss (s·score + z)² needs no factor. A
    /// process with another weighting returns the factor, and <see cref="DenoisingScoreMatchingLoss"/> applies it.
    /// </summary>
    Tensor? LossWeightOverVariance(Tensor t) => null;

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
    /// y_t / a(t), so its score is a(t)·s_theta(a(t)·y, t) (SCIENCE.md 5, noise-aware scoring). Clamped to
    /// [<see cref="StartTime"/>, T].
    /// The default solves s/a = sigma by bisection in double; processes with a closed form override it.
    /// </summary>
    double TimeForNoise(double sigma)
    {
        if (!(sigma >= 0) || !double.IsFinite(sigma)) throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "noise std must be finite and >= 0");
        double Ratio(double t) => MarginalStd(t) / MarginalMean(t);
        var t0 = StartTime;
        if (sigma <= Ratio(t0)) return t0;
        if (sigma >= Ratio(T)) return T;
        double lo = t0, hi = T;
        for (var i = 0; i < 200 && hi - lo > 1e-12 * T; i++)
        {
            var mid = 0.5 * (lo + hi);
            if (Ratio(mid) < sigma) lo = mid;
            else hi = mid;
        }
        return 0.5 * (lo + hi);
    }
}
