using ScoreBatch.Jobs.Diffusion;
using ScoreBatch.Jobs.Runtime;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Sampling;

/// <summary>
/// One step of the reverse-diffusion predictor (score_sde's ReverseDiffusionPredictor, Song et al. 2021 Algorithm 2)
/// from time t down to t' &lt; t, written against the process's marginals: the forward chain between the two times is
/// y_t = alpha·y_t' + G·z with alpha = a(t)/a(t') and G² = s(t)² - alpha²·s(t')², and the predictor reverses it:
/// y_t' = (y_t + G²·score(y_t, t)) / alpha + G·z'. Under VE (a = 1) this is exactly score_sde's VE predictor,
/// x + (sigma_t² - sigma_t'²)·s + sqrt(sigma_t² - sigma_t'²)·z; under VP it is DDPM's ancestral step.
/// </summary>
public static class ReverseDiffusionPredictor
{
    /// <summary>
    /// <paramref name="y"/> [N x ...] at <paramref name="t"/> -> the state at <paramref name="next"/> (a new tensor);
    /// <paramref name="addNoise"/> false returns the mean (the denoising last step).
    /// </summary>
    public static Tensor Step(INoiseProcess process, Func<Tensor, Tensor, Tensor> score, Tensor y, double t, double next, bool addNoise, Generator? generator)
    {
        ArgumentNullException.ThrowIfNull(process);
        ArgumentNullException.ThrowIfNull(score);
        var alpha = process.MarginalMean(t) / process.MarginalMean(next);
        double s = process.MarginalStd(t), sNext = process.MarginalStd(next);
        var g2 = Math.Max((s * s) - (alpha * alpha * sNext * sNext), 0.0);
        using var scope = NewDisposeScope();
        var mean = y.PlusScaled(score(y, ProbabilityFlow.Times(y, t)), g2).DividedBy(alpha);
        if (addNoise)
            mean.AddScaledInPlace(randn(y.shape, dtype: y.dtype, generator: generator).to(y.device), Math.Sqrt(g2)); // CPU generator (see Sampler)
        return mean.MoveToOuterDisposeScope();
    }
}
