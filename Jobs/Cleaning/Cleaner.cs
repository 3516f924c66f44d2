using ScoreBatch.Jobs.Diffusion;
using ScoreBatch.Jobs.Runtime;
using ScoreBatch.Jobs.Transforms;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Cleaning;

/// <summary>
/// Removes what the prior finds implausible: the maximum a posteriori estimate of
/// J(x) = ||M·(x - x_obs)||² / (2σ²) - weight·log p(x), with σ the cutout's pixel noise (floored at
/// <see cref="CleanOptions.MinNoise"/>) and M an optional 0/1 mask (0: ignore that pixel, the prior fills it in).
/// Each step k at the temperature t_k (annealed from high to low) is a preconditioned split gradient step:
/// <list type="number">
/// <item>prior: y = T(x), x ← x + c·w·s(t_k)²·s_theta(y, t_k) / (dy/dx), the Tweedie denoising jump at t_k scaled by c = StepScale and mapped to x;</item>
/// <item>data, exactly (proximal): x ← (x + η·M·x_obs/σ²) / (1 + η·M/σ²) with the same step η = c·s(t_k)² / (dy/dx)².</item>
/// </list>
/// Its fixed point at a temperature solves M·(x - x_obs)/σ² = w·∇_x log p_t(x), the stationarity of J with the
/// prior at that temperature, whatever the step; the implicit data step is stable for any σ. Pixels stay above the
/// transform's domain. Written against <see cref="INoiseProcess"/>, a score callable and <see cref="IDataTransform"/>.
/// </summary>
public static class Cleaner
{
    /// <summary>
    /// Cleans <paramref name="x"/> [N x 1 x H x W] (data space, the score's dtype and device); <paramref name="sigma"/> [N]
    /// is each cutout's noise std in x units, <paramref name="mask"/> (1 = use the pixel) null or [N x 1 x H x W].
    /// </summary>
    public static CleanResult Clean(INoiseProcess process, Func<Tensor, Tensor, Tensor> score, IDataTransform transform,
        Tensor x, Tensor sigma, Tensor? mask, CleanOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(process);
        ArgumentNullException.ThrowIfNull(score);
        ArgumentNullException.ThrowIfNull(transform);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(sigma);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (options.THigh > process.T) throw new ArgumentOutOfRangeException(nameof(options), options.THigh, $"t_high must be at most the process's T = {process.T}");
        var n = x.shape[0];
        if (sigma.shape.Length != 1 || sigma.shape[0] != n) throw new ArgumentException($"sigma must be [N] = [{n}], got [{string.Join(", ", sigma.shape)}]", nameof(sigma));
        using var scope = NewDisposeScope();
        var perSample = Enumerable.Repeat(1L, (int)x.dim()).ToArray();
        perSample[0] = n;
        var observed = x.detach();
        var weightMap = mask is null ? ones_like(observed) : mask.to(observed.dtype);
        var inverseVariance = sigma.to(observed.dtype).ClampMin(options.MinNoise).Squared().reciprocal().view(perSample) * weightMap; // M/σ²
        var floor = double.IsFinite(transform.DomainMin) ? transform.DomainMin + 1e-3 : double.NegativeInfinity;
        var frameAt = FrameSteps(options);
        var frames = new List<Tensor> { observed.clone() };
        var current = observed.clone();
        using (no_grad())
        {
            for (var k = 0; k < options.Steps; k++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var t = options.Temperature(k);
                var s = process.MarginalStd(t);
                using var step = NewDisposeScope();
                var y = transform.Forward(current);
                var dydx = transform.LogAbsDerivative(current).exp();
                var scoreY = score(y, TorchScalars.Full([n], t, y.dtype, y.device));
                var scale = options.StepScale * s * s;
                var half = current + (scoreY / dydx).Times(scale * options.Weight);
                var eta = dydx.Squared().reciprocal().Times(scale);
                var next = (half + (eta * inverseVariance * observed)) / (eta * inverseVariance).Plus(TorchScalars.One);
                if (double.IsFinite(floor)) next = next.ClampMin(floor);
                next.MoveToOuterDisposeScope();
                current.Dispose();
                current = next;
                if (frameAt.Contains(k)) frames.Add(current.clone().MoveToOuterDisposeScope());
            }
        }
        var removed = observed - current;
        var stacked = stack(frames, 0);
        return new CleanResult(current.MoveToOuterDisposeScope(), removed.MoveToOuterDisposeScope(), stacked.MoveToOuterDisposeScope());
    }

    /// <summary>The steps after which a frame is kept: Frames - 1 of them, evenly spaced, the last step always included.</summary>
    internal static HashSet<int> FrameSteps(CleanOptions options)
    {
        var kept = Math.Min(options.Frames - 1, options.Steps);
        return [.. Enumerable.Range(1, kept).Select(i => (int)Math.Round((double)i * options.Steps / kept) - 1)];
    }
}
