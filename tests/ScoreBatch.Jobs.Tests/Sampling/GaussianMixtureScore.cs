using ScoreBatch.Jobs.Diffusion;
using TorchSharp;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Tests.Sampling;

/// <summary>
/// Exact noised score of an isotropic Gaussian mixture sum_k w_k N(mu_k, v_k I) under a process (SCIENCE.md 8): each
/// component noises to N(a·mu_k, (a²v_k + s²) I); the score is the responsibility-weighted sum of component scores,
/// responsibilities by log-sum-exp. Computed in double.
/// </summary>
internal static class GaussianMixtureScore
{
    public static Func<Tensor, Tensor, Tensor> Create(INoiseProcess process, double[] weights, double[] means, double[] variances) => (y, t) =>
    {
        using var scope = NewDisposeScope();
        var shape = Enumerable.Repeat(1L, (int)y.dim()).ToArray();
        shape[0] = y.shape[0];
        var a = process.MarginalMean(t.to(ScalarType.Float64)).view(shape);
        var s = process.MarginalStd(t.to(ScalarType.Float64)).view(shape);
        var y64 = y.to(ScalarType.Float64);
        var d = y64[0].numel();
        var logits = new List<Tensor>();
        var scores = new List<Tensor>();
        // Scalars held by `using` until the end of each use: TorchSharp's Tensor.mul(Scalar) passes the scalar's handle
        // to libtorch without keeping the temporary that `tensor * double` makes alive, so under a test run's GC
        // pressure its finalizer could free it mid-call (seen once in CI: "toDouble: Expected false to be true").
        using var minusHalf = (-0.5).ToScalar();
        using var halfD = (0.5 * d).ToScalar();
        for (var k = 0; k < weights.Length; k++)
        {
            using var vk = variances[k].ToScalar();
            using var mk = means[k].ToScalar();
            using var logWk = Math.Log(weights[k]).ToScalar();
            var variance = (a * a).mul(vk) + s * s;
            var diff = y64 - a.mul(mk);
            scores.Add(-diff / variance);
            var logDensity = (diff * diff / variance).mul(minusHalf).flatten(1).sum(1) - variance.flatten().log().mul(halfD);
            logits.Add(logDensity.add(logWk));
        }
        var responsibilities = softmax(stack(logits, 1), 1); // [N x K]
        var total = zeros_like(y64);
        for (var k = 0; k < weights.Length; k++) total += responsibilities[.., k].view(shape) * scores[k];
        return total.to(y.dtype).MoveToOuterDisposeScope();
    };
}
