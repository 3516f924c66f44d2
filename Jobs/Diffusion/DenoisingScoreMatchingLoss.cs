using ScoreBatch.Jobs.Runtime;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Diffusion;

/// <summary>
/// Denoising score matching with weight lambda(t) = s(t)² (SCIENCE.md 3):
/// L = mean over batch and pixels of (s(t)·score(a(t)·y0 + s(t)·z, t) + z)², z ~ N(0, I). The weighting is the
/// process's concern: a process whose lambda is not s² returns the factor lambda/s² from
/// <see cref="INoiseProcess.LossWeightOverVariance"/> (VP and VE return none: lambda = s² = sigma² for both).
/// Written against <see cref="INoiseProcess"/> and a score delegate, never a concrete network.
/// </summary>
public sealed class DenoisingScoreMatchingLoss(INoiseProcess process)
{
    public INoiseProcess Process { get; } = process ?? throw new ArgumentNullException(nameof(process));

    /// <summary>
    /// Loss for clean model-space images <paramref name="y0"/> [N x 1 x H x W] at times <paramref name="t"/> [N];
    /// <paramref name="score"/> maps (y_t [N x 1 x H x W], t [N]) to [N x 1 x H x W]. Returns a scalar.
    /// The noise is drawn on the CPU from <paramref name="generator"/> and moved to y0's device, so runs are
    /// reproducible from the generator's state on every device. <paramref name="weights"/> [N], when given, are the
    /// time sampler's importance weights (mean of weight·loss).
    /// </summary>
    public Tensor Compute(Func<Tensor, Tensor, Tensor> score, Tensor y0, Tensor t, Generator? generator = null, Tensor? weights = null)
    {
        ArgumentNullException.ThrowIfNull(score);
        if (t.dim() != 1 || t.shape[0] != y0.shape[0])
            throw new ArgumentException($"t must be [{y0.shape[0]}], got [{string.Join(" x ", t.shape)}]");
        using var scope = NewDisposeScope();
        var z = randn(y0.shape, dtype: y0.dtype, generator: generator).to(y0.device);
        var perSample = PerSample(score, y0, t, z);
        if (weights is not null) perSample = perSample * weights.to(perSample.dtype).to(perSample.device);
        return perSample.mean().MoveToOuterDisposeScope();
    }

    /// <summary>Per-sample loss with given noise <paramref name="z"/> [N x 1 x H x W]: returns [N] (mean over pixels).</summary>
    public Tensor PerSample(Func<Tensor, Tensor, Tensor> score, Tensor y0, Tensor t, Tensor z)
    {
        ArgumentNullException.ThrowIfNull(score);
        using var scope = NewDisposeScope();
        var n = y0.shape[0];
        var broadcast = new long[y0.dim()];
        Array.Fill(broadcast, 1L);
        broadcast[0] = n;
        var tDevice = t.to(y0.device);
        var a = Process.MarginalMean(tDevice).to(y0.dtype).view(broadcast);
        var s = Process.MarginalStd(tDevice).to(y0.dtype).view(broadcast);
        var yt = (a * y0).Plus(s * z);
        var residual = (s * score(yt, tDevice)).Plus(z);
        var perSample = residual.Squared().flatten(1).mean([1]);
        if (Process.LossWeightOverVariance(tDevice) is { } factor) perSample = perSample * factor.to(perSample.dtype);
        return perSample.MoveToOuterDisposeScope();
    }
}
