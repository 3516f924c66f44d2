using ScoreBatch.Jobs.Diffusion;
using ScoreBatch.Jobs.Sampling;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Tests.Sampling;

public class SamplerTests
{
    private static readonly VpProcess Vp = new();

    /// <summary>VE with sigma_max = 20: several times the spread of the test data (Song and Ermon's rule), prior N(0, 400 I).</summary>
    private static readonly VeProcess Ve = new(sigmaMax: 20.0);

    [Theory]
    [InlineData(SamplerKind.Rk4)]
    [InlineData(SamplerKind.Rk45)]
    public void Sample_ProbabilityFlowExactGaussianScore_MatchesAnalyticMoments(SamplerKind kind)
    {
        // Data N(mu, v I), v = 0.25, under VP: at the end time eps the marginal is N(a·mu, (a²v + s²) I). 4096 x 16
        // values: the sample mean's standard error is sqrt(var / 65536) ~ 0.002, the variance's var·sqrt(2/65536)
        // ~ 0.0014; 4 standard errors each.
        var (y, mean, variance) = SampleGaussian(new SamplerOptions { Kind = kind }, 4096);
        using (y) AssertMoments(y, mean, variance, variance);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Sample_ReverseSdeExactGaussianScore_MatchesAnalyticMoments(int correctorSteps)
    {
        // As above with 1024 x 16 values (4 standard errors: 1.6 % on the mean's scale, 4.4 % on the variance). Euler-
        // Maruyama's variance bias is O(dt): 1000 steps (dt = 0.01) keep it near 2 %. The Langevin corrector is
        // unadjusted and widens the Gaussian by about 1/(1 - snr²) (2.6 % at snr 0.16): the upper bound allows that.
        var options = new SamplerOptions { Kind = SamplerKind.ReverseSde, Steps = correctorSteps == 0 ? 1000 : 500, CorrectorSteps = correctorSteps };
        var (y, mean, variance) = SampleGaussian(options, 1024);
        var upper = correctorSteps == 0 ? variance : variance / (1 - (options.Snr * options.Snr));
        using (y) AssertMoments(y, mean, variance, upper);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Sample_PcVeExactGaussianScore_MatchesAnalyticMoments(int correctorSteps)
    {
        // Predictor-corrector under VE, data N(0.5, 0.25 I): at the end time the marginal is N(mu, (v + sigma_end²) I).
        // 1024 x 16 values, 4 standard errors as above; the reverse-diffusion predictor uses the exact VE transition
        // variances, so 500 steps (sigma ratio 1.015 per step) leave a bias well inside them; the corrector's
        // 1/(1 - snr²) widening is allowed for as for "sde".
        var options = new SamplerOptions { Kind = SamplerKind.Pc, Steps = 500, CorrectorSteps = correctorSteps };
        var (y, mean, variance) = SampleGaussian(options, 1024, Ve);
        var upper = correctorSteps == 0 ? variance : variance / (1 - (options.Snr * options.Snr));
        using (y) AssertMoments(y, mean, variance, upper);
    }

    [Fact]
    public void Pc_VeGaussianMixture_ReproducesWeights()
    {
        // The mixture of ReverseSde_GaussianMixture_ReproducesWeights under VE with score_sde's PC sampler (one
        // Langevin step at snr 0.16 per predictor step): the weight below 0 within 3 standard errors (0.0051).
        double[] weights = [0.3, 0.7];
        var score = GaussianMixtureScore.Create(Ve, weights, [-1.5, 1.5], [0.1, 0.1]);
        const int n = 8000;
        using var g = new Generator(23);
        var options = new SamplerOptions { Kind = SamplerKind.Pc, Steps = 500, CorrectorSteps = SamplerOptions.PcCorrectorSteps };
        using var y = Sampler.Sample(Ve, score, [n, 1, 1, 1], options, g, ScalarType.Float64).Y;
        var below = (y < 0).to(ScalarType.Float64).mean().item<double>();
        var se = Math.Sqrt(weights[0] * weights[1] / n);
        Assert.InRange(below, weights[0] - (3 * se), weights[0] + (3 * se));
        var nearModes = ((y.abs() - 1.5).abs() < 1.0).to(ScalarType.Float64).mean().item<double>();
        Assert.True(nearModes > 0.99, $"only {nearModes:P1} of samples within 1 of a mode");
    }

    [Fact]
    public void ReverseDiffusionPredictor_Ve_IsScoreSdesUpdate()
    {
        // x + (sigma_t² - sigma_t'²)·s + sqrt(sigma_t² - sigma_t'²)·z, with z drawn from the same generator.
        double t = 0.6, next = 0.55;
        var score = GaussianReference.ExactScore(Ve, 0.0, 1.0);
        using var y = randn([4, 1, 2, 2], dtype: ScalarType.Float64, generator: new Generator(3));
        using var g1 = new Generator(8);
        using var stepped = ReverseDiffusionPredictor.Step(Ve, score, y, t, next, addNoise: true, g1);
        double s = Ve.MarginalStd(t), sn = Ve.MarginalStd(next);
        var g2 = (s * s) - (sn * sn);
        using var g2Gen = new Generator(8);
        using var z = randn(y.shape, dtype: ScalarType.Float64, generator: g2Gen);
        using var expected = y + (g2 * (-y / (1 + (s * s)))) + (Math.Sqrt(g2) * z);
        Assert.True(stepped.allclose(expected, 1e-12, 1e-12));
    }

    private static (Tensor Y, double Mean, double Variance) SampleGaussian(SamplerOptions options, int n, INoiseProcess? process = null)
    {
        const double mu = 0.5, v = 0.25;
        process ??= Vp;
        using var g = new Generator(5);
        var result = Sampler.Sample(process, GaussianReference.ExactScore(process, mu, v), [n, 1, 4, 4], options, g, ScalarType.Float64);
        var end = options.EndFraction * process.T;
        double a = process.MarginalMean(end), s = process.MarginalStd(end);
        return (result.Y, a * mu, (a * a * v) + (s * s));
    }

    private static void AssertMoments(Tensor y, double mean, double lowerVariance, double upperVariance)
    {
        var n = (double)y.numel();
        var meanSe = Math.Sqrt(upperVariance / n);
        var varianceSe = Math.Sqrt(2 / n);
        Assert.InRange(y.mean().item<double>(), mean - (4 * meanSe), mean + (4 * meanSe));
        Assert.InRange(y.var().item<double>(), lowerVariance * (1 - (4 * varianceSe)), upperVariance * (1 + (4 * varianceSe)));
    }

    [Fact]
    public void Sample_Rk45_ReportsStepsAndEvaluations()
    {
        using var g = new Generator(1);
        var options = new SamplerOptions { Kind = SamplerKind.Rk45 };
        var result = Sampler.Sample(Vp, GaussianReference.ExactScore(Vp, 0.2, 0.5), [64, 1, 2, 2], options, g, ScalarType.Float64);
        result.Y.Dispose();
        Assert.InRange(result.Steps, 2, 500);
        // Dormand-Prince is first-same-as-last: one evaluation to start, then 6 per attempted step.
        Assert.Equal(1 + (6 * (result.Steps + result.RejectedSteps)), result.Evaluations);
    }

    [Theory]
    [InlineData(SamplerKind.Rk4)]
    [InlineData(SamplerKind.ReverseSde)]
    [InlineData(SamplerKind.Pc)]
    public void Sample_SameSeed_ReproducesSamples(SamplerKind kind)
    {
        var options = new SamplerOptions { Kind = kind, Steps = 20, CorrectorSteps = kind is SamplerKind.ReverseSde or SamplerKind.Pc ? 1 : 0 };
        var score = GaussianReference.ExactScore(Vp, 0.3, 0.5);
        using var g1 = new Generator(42);
        using var g2 = new Generator(42);
        using var g3 = new Generator(43);
        using var first = Sampler.Sample(Vp, score, [8, 1, 4, 4], options, g1).Y;
        using var second = Sampler.Sample(Vp, score, [8, 1, 4, 4], options, g2).Y;
        using var other = Sampler.Sample(Vp, score, [8, 1, 4, 4], options, g3).Y;
        Assert.Equal(0.0, (first - second).abs().max().item<float>());
        Assert.False(first.allclose(other));
    }

    [Fact]
    public void ProbabilityFlow_RoundTrip_ReturnsStartToSolverTolerance()
    {
        // x0 -> xT -> x0 through the PF-ODE with the exact Gaussian score: the flow is invertible, so the only error is
        // the solver's; at rtol = atol = 1e-8 (double) it must be far below 1e-5.
        const double mu = 0.5, v = 0.25;
        var dynamics = ProbabilityFlow.Dynamics(Vp, GaussianReference.ExactScore(Vp, mu, v));
        using var g = new Generator(9);
        using var x0 = (randn([256, 1, 4, 4], dtype: ScalarType.Float64, generator: g) * Math.Sqrt(v)) + mu;
        var tight = new AdaptiveOptions { RelativeTolerance = 1e-8, AbsoluteTolerance = 1e-8 };
        const double eps = 1e-3;
        var forward = DormandPrinceSolver.Solve(dynamics, x0, eps, Vp.T, tight);
        using var xT = forward.State;
        // At T the flow has carried the data to (nearly) the prior N(0, I).
        Assert.InRange(xT.std().item<double>(), 0.9, 1.1);
        using var back = DormandPrinceSolver.Solve(dynamics, xT, Vp.T, eps, tight).State;
        Assert.True((back - x0).abs().max().item<double>() < 1e-5);
    }

    [Fact]
    public void ReverseSde_GaussianMixture_ReproducesWeights()
    {
        // 0.3·N(-1.5, 0.1) + 0.7·N(1.5, 0.1) in one dimension with the exact mixture score: the fraction of samples
        // below 0 estimates the first weight; 8000 samples give a standard error sqrt(0.21/8000) = 0.0051.
        double[] weights = [0.3, 0.7];
        var score = GaussianMixtureScore.Create(Vp, weights, [-1.5, 1.5], [0.1, 0.1]);
        const int n = 8000;
        using var g = new Generator(17);
        var options = new SamplerOptions { Kind = SamplerKind.ReverseSde, Steps = 500 };
        using var y = Sampler.Sample(Vp, score, [n, 1, 1, 1], options, g, ScalarType.Float64).Y;
        var below = (y < 0).to(ScalarType.Float64).mean().item<double>();
        var se = Math.Sqrt(weights[0] * weights[1] / n);
        Assert.InRange(below, weights[0] - (3 * se), weights[0] + (3 * se));
        // and the samples sit in the modes, not between them (the score was followed, not just the prior drawn)
        var nearModes = ((y.abs() - 1.5).abs() < 1.0).to(ScalarType.Float64).mean().item<double>();
        Assert.True(nearModes > 0.99, $"only {nearModes:P1} of samples within 1 of a mode");
    }

    [Fact]
    public void Options_BadSteps_NameTheField()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new SamplerOptions { Steps = 0 }.Validate());
        Assert.Equal("Steps", e.ParamName);
    }
}
