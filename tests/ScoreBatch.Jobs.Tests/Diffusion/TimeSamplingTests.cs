using ScoreBatch.Jobs.Diffusion;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Tests.Diffusion;

public class TimeSamplingTests
{
    private const int Batch = 256, Batches = 400;

    [Fact]
    public void LogUniformWeighted_WeightedMeans_EstimateTheUniformTimeAverage()
    {
        // Unbiasedness of the importance weights: E_log[w(t)·f(t)] = (1/T)·∫ f over [t_min, T] for any f. With
        // f = 1 that is 1 - t_min/T, with f = t it is (T² - t_min²)/(2T), with f = 1 - exp(-t) (the VP variance, the
        // loss's weight) (T - t_min - e^-t_min + e^-T)/T. 102,400 stratified draws: relative errors ~1e-3.
        var sampler = new StratifiedTimeSampler(10.0, TimeSampling.LogUniformWeighted);
        using var g = new Generator(5);
        double one = 0, lin = 0, variance = 0;
        for (var b = 0; b < Batches; b++)
        {
            using var scope = NewDisposeScope();
            var t = sampler.Sample(Batch, g).to(ScalarType.Float64);
            var w = sampler.Weights(t)!;
            one += w.mean().item<double>();
            lin += (w * t).mean().item<double>();
            variance += (w * (1 - (-t).exp())).mean().item<double>();
        }
        double tMin = sampler.MinTime, T = sampler.T;
        Assert.Equal(1 - (tMin / T), one / Batches, 2);
        Assert.Equal(((T * T) - (tMin * tMin)) / (2 * T) / (T / 2), lin / Batches / (T / 2), 2);
        Assert.Equal((T - tMin - Math.Exp(-tMin) + Math.Exp(-T)) / T, variance / Batches, 2);
    }

    [Fact]
    public void LogUniform_HalfTheTimes_FallBelowTheGeometricMidpoint()
    {
        // ln t is uniform on [ln 1e-4, ln 10]: 0.1 is 3/5 of the way (the released uniform recipe puts 1 % below it),
        // and the draws are unweighted.
        var sampler = new StratifiedTimeSampler(10.0, TimeSampling.LogUniform);
        using var g = new Generator(6);
        using var t = sampler.Sample(1000, g);
        var below = (t < 0.1).sum().item<long>();
        Assert.Equal(600, below);
        Assert.True(t.min().item<float>() >= 1e-4f && t.max().item<float>() <= 10f);
        Assert.Null(sampler.Weights(t));
    }

    [Fact]
    public void Uniform_HasNoWeights_AndCoversZeroToT()
    {
        var sampler = new StratifiedTimeSampler(10.0);
        using var g = new Generator(7);
        using var t = sampler.Sample(100, g);
        Assert.Null(sampler.Weights(t));
        Assert.Equal(1, (t < 0.1).sum().item<long>()); // one stratum of 100 lies below 0.1
    }

    [Fact]
    public void Check_UnknownName_ListsTheKnownOnes()
    {
        var e = Assert.Throws<ArgumentException>(() => TimeSampling.Check("loguniform"));
        Assert.Contains("uniform, log_uniform, log_uniform_weighted", e.Message, StringComparison.Ordinal);
    }
}
