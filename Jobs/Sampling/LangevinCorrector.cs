using ScoreBatch.Jobs.Runtime;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Sampling;

/// <summary>
/// One Langevin MCMC step at a fixed time (score_sde's corrector): y += e·s + sqrt(2e)·z with the step e chosen per
/// batch so that the signal-to-noise ratio ||e·s|| / ||sqrt(2e)·z|| is <c>snr</c>: e = 2·(snr·||z|| / ||s||)² with both
/// norms per sample, averaged over the batch (as score_sde does; a per-sample step would couple the step to the state
/// and inflate the variance). Like any unadjusted Langevin step it widens a Gaussian of variance v by about 1/(1 - snr²).
/// </summary>
public static class LangevinCorrector
{
    /// <summary><paramref name="y"/> [N x ...] at time <paramref name="t"/> -> the corrected [N x ...] (a new tensor).</summary>
    public static Tensor Step(Func<Tensor, Tensor, Tensor> score, Tensor y, double t, double snr, Generator? generator)
    {
        ArgumentNullException.ThrowIfNull(score);
        using var scope = NewDisposeScope();
        var gradient = score(y, ProbabilityFlow.Times(y, t));
        var z = randn(y.shape, dtype: y.dtype, generator: generator).to(y.device); // CPU generator (see Sampler)
        var gradientNorm = gradient.flatten(1).norm(1).mean().ClampMin(1e-12);
        var noiseNorm = z.flatten(1).norm(1).mean();
        var step = (noiseNorm / gradientNorm).Times(snr).Squared().Times(2);
        return y.Plus(step * gradient).Plus(step.Times(2).sqrt() * z).MoveToOuterDisposeScope();
    }
}
