using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Diffusion;

/// <summary>
/// A forward noising SDE dy = f(y, t) dt + g(t) dW on [0, T] with Gaussian marginals
/// y_t | y_0 ~ N(a(t)·y_0, s(t)² I). Loss, samplers and likelihood are written against this interface only.
/// Scalar schedules are computed in double; tensor versions compute in double and cast to the input's dtype at the end.
/// </summary>
public interface INoiseProcess
{
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
}
