using ScoreBatch.Jobs.Diffusion;
using ScoreBatch.Jobs.Likelihood;
using ScoreBatch.Jobs.Tests.Sampling;
using ScoreBatch.Jobs.Transforms;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Tests.Likelihood;

public class LikelihoodEstimatorTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly VpProcess Vp = new();
    private const double Mu = 0.3;

    private static string[] Ids(int n) => [.. Enumerable.Range(0, n).Select(i => $"cutout-{i}")];

    /// <summary>log N(y; a·mu, (a²v + s²) I) per cutout at the integration's start time (the density the ODE reports).</summary>
    private static double[] AnalyticLogDensity(Tensor y, double v, double t)
    {
        double a = Vp.MarginalMean(t), s = Vp.MarginalStd(t);
        var variance = (a * a * v) + (s * s);
        var flat = y.to(ScalarType.Float64).flatten(1);
        var d = flat.shape[1];
        var quad = (flat - (a * Mu)).pow(2).sum(1) / variance;
        return ((-0.5 * quad) - (0.5 * d * Math.Log(2 * Math.PI * variance))).data<double>().ToArray();
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.25)]
    [InlineData(4.0)]
    public void Estimate_ExactGaussianScore_MatchesAnalyticDensity(double v)
    {
        // SCIENCE.md 8: data N(mu, v I) under VP with the exact score; the ODE log-likelihood must match the analytic
        // log density within 0.01 nats per dimension (RK45 at rtol = atol = 1e-5).
        using var g = new Generator(3);
        using var y = (randn([16, 1, 4, 4], ScalarType.Float64, generator: g) * Math.Sqrt(v)) + Mu;
        var options = new LikelihoodOptions();
        var results = LikelihoodEstimator.Estimate(Vp, GaussianReference.ExactScore(Vp, Mu, v), new IdentityTransform(), y, Ids(16), options);
        var expected = AnalyticLogDensity(y, v, options.StartTime);
        output.WriteLine(FormattableString.Invariant($"v = {v}: largest error {Enumerable.Range(0, 16).Max(i => Math.Abs(results[i].LogPx - expected[i])) / 16:e2} nats/dim, NFE {results[0].Evaluations}"));
        for (var i = 0; i < results.Count; i++)
        {
            Assert.True(Math.Abs(results[i].LogPx - expected[i]) / 16 < 0.01, $"cutout {i}: {results[i].LogPx} vs {expected[i]}");
            Assert.Equal(results[i].LogPx, results[i].LogPy); // identity: no Jacobian
            Assert.Equal(-results[i].LogPx / (16 * Math.Log(2)), results[i].BitsPerDim, 12);
        }
        Assert.InRange(results[0].Evaluations, 7, 2000);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.25)]
    [InlineData(4.0)]
    public void Estimate_Log1pTransform_AddsTheJacobian(double v)
    {
        // y = ln(1 + x)/0.1 ~ N(mu, v I), so x = expm1(0.1·y) has log p_x(x) = log p_y(y) + sum(-ln 0.1 - ln(1 + x)).
        using var g = new Generator(4);
        using var y = (randn([16, 1, 4, 4], ScalarType.Float64, generator: g) * Math.Sqrt(v)) + Mu;
        var transform = new Log1pTransform();
        using var x = transform.Inverse(y);
        var options = new LikelihoodOptions();
        var results = LikelihoodEstimator.Estimate(Vp, GaussianReference.ExactScore(Vp, Mu, v), transform, x, Ids(16), options);
        var logPy = AnalyticLogDensity(y, v, options.StartTime);
        var jacobian = (log1p(x).neg() - Math.Log(0.1)).flatten(1).sum(1).data<double>().ToArray();
        output.WriteLine(FormattableString.Invariant($"log1p, v = {v}: largest data-space error {Enumerable.Range(0, 16).Max(i => Math.Abs(results[i].LogPx - logPy[i] - jacobian[i])) / 16:e2} nats/dim"));
        for (var i = 0; i < results.Count; i++)
        {
            Assert.True(Math.Abs(results[i].LogPy - logPy[i]) / 16 < 0.01, $"model space, cutout {i}: {results[i].LogPy} vs {logPy[i]}");
            Assert.True(Math.Abs(results[i].LogPx - (logPy[i] + jacobian[i])) / 16 < 0.01, $"data space, cutout {i}: {results[i].LogPx} vs {logPy[i] + jacobian[i]}");
            Assert.Equal(results[i].LogPy + jacobian[i], results[i].LogPx, 9);
        }
    }

    [Fact]
    public void Estimate_GaussianMixture_MatchesDensityWithinProbeError()
    {
        // A mixture's score has a non-diagonal Jacobian, so the Hutchinson estimate varies with the probes: the estimate
        // must fall within 4 of its own standard errors (plus the 0.01 nats/dim solver budget) of the exact density.
        double[] w = [0.4, 0.6], mu = [-1.0, 1.0], var = [0.3, 0.3];
        var score = GaussianMixtureScore.Create(Vp, w, mu, var);
        using var g = new Generator(8);
        using var y = randn([8, 1, 2, 2], ScalarType.Float64, generator: g) * 0.6;
        var options = new LikelihoodOptions { Probes = 8 };
        var results = LikelihoodEstimator.Estimate(Vp, score, new IdentityTransform(), y, Ids(8), options);
        var t = options.StartTime;
        double a = Vp.MarginalMean(t), s = Vp.MarginalStd(t);
        var flat = y.flatten(1);
        var components = Enumerable.Range(0, 2).Select(k =>
        {
            var variance = (a * a * var[k]) + (s * s);
            return ((-0.5 * (flat - (a * mu[k])).pow(2).sum(1) / variance) - (2 * Math.Log(2 * Math.PI * variance)) + Math.Log(w[k])).unsqueeze(1);
        }).ToArray();
        var exact = logsumexp(cat(components, 1), 1).data<double>().ToArray();
        Assert.Contains(results, r => r.StdError > 0);
        for (var i = 0; i < results.Count; i++)
            Assert.True(Math.Abs(results[i].LogPx - exact[i]) <= (4 * results[i].StdError) + 0.04, $"cutout {i}: {results[i].LogPx} ± {results[i].StdError} vs {exact[i]}");
    }

    [Fact]
    public void Estimate_SameIdInAnotherBatch_GetsTheSameProbes()
    {
        // Probes come from the cutout's id, so reordering the batch changes a value only by the shared step sequence
        // (solver tolerance), and a one-probe estimate of a mixture (probe-dependent) stays put.
        var score = GaussianMixtureScore.Create(Vp, [0.5, 0.5], [-1.0, 1.0], [0.3, 0.3]);
        using var g = new Generator(2);
        using var y = randn([4, 1, 2, 2], ScalarType.Float64, generator: g);
        var options = new LikelihoodOptions { Probes = 1 };
        var forward = LikelihoodEstimator.Estimate(Vp, score, new IdentityTransform(), y, ["a", "b", "c", "d"], options);
        using var reversed = y.flip(0);
        var backward = LikelihoodEstimator.Estimate(Vp, score, new IdentityTransform(), reversed, ["d", "c", "b", "a"], options);
        for (var i = 0; i < 4; i++) Assert.Equal(forward[i].LogPx, backward[3 - i].LogPx, 3);
        Assert.True(double.IsNaN(forward[0].StdError)); // one probe: no spread to measure
    }
}
