using ScoreBatch.Jobs.Diffusion;
using ScoreBatch.Jobs.Runtime;
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
        // Arithmetic with numbers through the product's TorchScalars helpers (Jobs/Runtime/TorchScalars.cs), which keep
        // each number's native Scalar alive for the whole call: `tensor * double`, `a + b` and `+=` make temporaries
        // that a finalizer can free mid-call under a test run's GC pressure (seen once in CI: "toDouble: Expected
        // false to be true").
        for (var k = 0; k < weights.Length; k++)
        {
            var variance = (a * a).Times(variances[k]).Plus(s * s);
            var diff = y64 - a.Times(means[k]);
            scores.Add(-diff / variance);
            var logDensity = (diff * diff / variance).Times(-0.5).flatten(1).sum(1).PlusScaled(variance.flatten().log(), -0.5 * d);
            logits.Add(logDensity.Plus(Math.Log(weights[k])));
        }
        var responsibilities = softmax(stack(logits, 1), 1); // [N x K]
        var total = zeros_like(y64);
        for (var k = 0; k < weights.Length; k++) total.AddInPlace(responsibilities[.., k].view(shape) * scores[k]);
        return total.to(y.dtype).MoveToOuterDisposeScope();
    };
}
