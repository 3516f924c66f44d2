using ScoreBatch.Jobs.Cleaning;
using ScoreBatch.Jobs.Diffusion;
using ScoreBatch.Jobs.Transforms;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Tests.Cleaning;

public class CleanerTests
{
    private static readonly VpProcess Vp = new();

    [Fact]
    public void Clean_GaussianPrior_ConvergesToTheClosedFormMap()
    {
        // Prior N(mu, v I) and Gaussian data term: the MAP at the last temperature t solves
        // (x - x_obs)/σ² = -w·(x - a·mu)/V with V = a²v + s², i.e. x* = (x_obs/σ² + w·a·mu/V) / (1/σ² + w/V). At one
        // fixed temperature (t_high = t_low) the iteration contracts by ~0.15 a step, so 60 steps reach it to 1e-9.
        const double mu = 0.2, v = 0.05, sigma = 0.1, w = 2.0;
        using var g = new Generator(1);
        using var x = rand([3, 1, 4, 4], ScalarType.Float64, generator: g);
        using var noise = full([3], sigma, ScalarType.Float64);
        var options = new CleanOptions { Weight = w, Steps = 60, StepScale = 1, THigh = 0.02, TLow = 0.02 };
        using var result = Cleaner.Clean(Vp, GaussianReference.ExactScore(Vp, mu, v), new IdentityTransform(), x, noise, null, options);
        double a = Vp.MarginalMean(options.TLow), s = Vp.MarginalStd(options.TLow);
        var variance = (a * a * v) + (s * s);
        using var expected = ((x / (sigma * sigma)) + (w * a * mu / variance)) / ((1 / (sigma * sigma)) + (w / variance));
        Assert.True((result.Cleaned - expected).abs().max().item<double>() < 1e-9);
        Assert.True((result.Removed - (x - result.Cleaned)).abs().max().item<double>() == 0);
    }

    [Fact]
    public void Clean_MaskedPixel_IsFilledByThePrior()
    {
        // A pixel with mask 0 has no data term: it converges to the prior's mode a·mu; unmasked pixels stay near the data.
        const double mu = 0.5, v = 0.1;
        using var x = zeros([1, 1, 2, 2], ScalarType.Float64);
        using var mask = ones_like(x);
        mask[0, 0, 1, 1] = tensor(0.0, ScalarType.Float64);
        using var noise = full([1], 0.01, ScalarType.Float64);
        var options = new CleanOptions { Steps = 300, StepScale = 1, Weight = 1 };
        using var result = Cleaner.Clean(Vp, GaussianReference.ExactScore(Vp, mu, v), new IdentityTransform(), x, noise, mask, options);
        var a = Vp.MarginalMean(options.TLow);
        Assert.InRange(result.Cleaned[0, 0, 1, 1].item<double>(), (a * mu) - 0.01, (a * mu) + 0.01);
        Assert.InRange(result.Cleaned[0, 0, 0, 0].item<double>(), 0, 0.01);
    }

    [Fact]
    public void Clean_Frames_StartWithTheInputAndEndWithTheResult()
    {
        using var x = rand([2, 1, 4, 4], ScalarType.Float64) * 0.5;
        using var noise = full([2], 0.05, ScalarType.Float64);
        var options = new CleanOptions { Steps = 12, Frames = 5 };
        using var result = Cleaner.Clean(Vp, GaussianReference.ExactScore(Vp, 0, 0.1), new Log1pTransform(), x, noise, null, options);
        Assert.Equal([5L, 2, 1, 4, 4], result.Frames.shape);
        Assert.Equal(0.0, (result.Frames[0] - x).abs().max().item<double>());
        Assert.Equal(0.0, (result.Frames[4] - result.Cleaned).abs().max().item<double>());
        Assert.True((result.Cleaned - x).abs().max().item<double>() > 0);
    }

    [Fact]
    public void Options_Schedule_RunsFromHighToLow()
    {
        var options = new CleanOptions { Steps = 5, THigh = 1, TLow = 0.01 };
        Assert.Equal(1, options.Temperature(0), 12);
        Assert.Equal(0.1, options.Temperature(2), 12);
        Assert.Equal(0.01, options.Temperature(4), 12);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => (options with { THigh = 0.001 }).Validate());
        Assert.Equal("THigh", e.ParamName);
    }
}
