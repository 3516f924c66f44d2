using ScoreBatch.Jobs.Synthetic;

namespace ScoreBatch.Jobs.Tests.Synthetic;

public class ObservationNoiseTests
{
    private static (double Mean, double Std) Moments(float[] v)
    {
        double mean = v.Average(x => (double)x);
        return (mean, Math.Sqrt(v.Average(x => (x - mean) * (x - mean))));
    }

    [Fact]
    public void Observe_EmptySceneAtFixedSnr_BackgroundSigmaIsOneOverSnr()
    {
        // 64² = 4096 pixels of N(0, 1/50²): the sample std is within 3 % of 0.02 (its relative error is 1/sqrt(2·4096) = 1.1 %).
        var image = new ObservationNoise(50, 50).Observe(new float[64 * 64], 64, seed: 7);
        var (mean, std) = Moments(image);
        Assert.InRange(std, 0.02 * 0.97, 0.02 * 1.03);
        Assert.InRange(mean, -0.002, 0.002);       // 5 standard errors (0.02 / 64 = 3e-4 each)
        Assert.Contains(image, x => x < 0);        // not clipped: background-subtracted data go negative
    }

    [Fact]
    public void Observe_PoissonTerm_VarianceGrowsWithFlux()
    {
        // A flat scene at 1 with gain 100 and a negligible background (S/N 1e6): variance 1/100, std 0.1.
        var scene = Enumerable.Repeat(1f, 64 * 64).ToArray();
        var (mean, std) = Moments(new ObservationNoise(1e6, 1e6, PoissonGain: 100).Observe(scene, 64, seed: 3));
        Assert.InRange(std, 0.097, 0.103);
        Assert.InRange(mean, 0.99, 1.01);
    }

    [Fact]
    public void Observe_SkyResidual_ShiftsTheMeanByAtMostItsBound()
    {
        // Offset and gradient within ±2 sigma each: over 20 seeds the mean moves (it would not without a residual)
        // but never beyond 2 sigma (+ the mean's own 5-standard-error scatter).
        var noise = new ObservationNoise(100, 100, SkyResidual: 2);
        var means = Enumerable.Range(0, 20).Select(s => Moments(noise.Observe(new float[32 * 32], 32, s)).Mean).ToArray();
        Assert.All(means, m => Assert.InRange(m, -0.02 - 0.0016, 0.02 + 0.0016));
        Assert.True(means.Max() - means.Min() > 0.01, $"means span {means.Min()}..{means.Max()}");
    }

    [Fact]
    public void DrawSnr_Range10To1000_LogUniform()
    {
        // Log-uniform: half the draws below 100 (the geometric middle), a quarter below 31.6. 2000 draws: ±0.035 is > 3 sigma.
        var noise = new ObservationNoise(10, 1000);
        var snr = Enumerable.Range(0, 2000).Select(noise.DrawSnr).ToArray();
        Assert.All(snr, s => Assert.InRange(s, 10, 1000));
        Assert.InRange(snr.Count(s => s < 100) / 2000.0, 0.465, 0.535);
        Assert.InRange(snr.Count(s => s < Math.Sqrt(1000)) / 2000.0, 0.215, 0.285);
    }

    [Theory]
    [InlineData("10:1000", 10, 1000)]
    [InlineData("100", 100, 100)]
    public void ParseSnrRange_GoodText_MinAndMax(string text, double min, double max) =>
        Assert.Equal((min, max), ObservationNoise.ParseSnrRange(text));

    [Theory]
    [InlineData("1000:10")]
    [InlineData("0:10")]
    [InlineData("a:b")]
    [InlineData("1:2:3")]
    public void ParseSnrRange_BadText_ThrowsNamingTheOption(string text)
    {
        var e = Assert.Throws<ArgumentException>(() => ObservationNoise.ParseSnrRange(text));
        Assert.Contains("--snr", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BuildPairs_WithNoise_TwinSharesTheNoiseAndBackgroundIsObserved()
    {
        // Clean and ring twin get the same realisation: where the ring adds nothing (the corner, 21 px from the
        // centre, beyond the largest ring radius 12.2 px + its cut-off) they are equal bit for bit; the background
        // is noisy (no footprint cut), with negative pixels.
        var options = SersicGalaxyOptions.ForSize(32) with { Noise = new ObservationNoise(20, 20) };
        var builder = new SyntheticDatasetBuilder(options);
        var (clean, twins) = builder.BuildPairs(3, seed: 4, [ArtifactKind.Ring]);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(clean.Image(i)[0], twins.Image(i)[0]);
            Assert.NotEqual(clean.Image(i).ToArray(), twins.Image(i).ToArray());
            Assert.Contains(clean.Image(i).ToArray(), x => x < 0);
        }
        var noiseFree = new SyntheticDatasetBuilder(SersicGalaxyOptions.ForSize(32)).BuildPairs(3, seed: 4, [ArtifactKind.Ring]).Clean;
        Assert.Equal(0f, noiseFree.Image(0)[0]); // the default stays noise-free with its exactly-0 background
        Assert.Throws<ArgumentOutOfRangeException>(() => new SersicGalaxyGenerator(options with { NoiseSigma = 0.01 }));
    }

    [Fact]
    public void Build_TwoKinds_BothAppearAndOneKindMatchesSingleOverload()
    {
        var builder = new SyntheticDatasetBuilder(SersicGalaxyOptions.ForSize(16) with { Oversample = 2 });
        var mixed = builder.Build(60, seed: 2, [ArtifactKind.Ring, ArtifactKind.Companion], 0.5);
        Assert.Contains(mixed.Entries, e => e.Artifact == ArtifactKind.Ring);
        Assert.Contains(mixed.Entries, e => e.Artifact == ArtifactKind.Companion);
        Assert.Equal(builder.Build(10, seed: 2, ArtifactKind.Ring, 0.5).Pixels, builder.Build(10, seed: 2, [ArtifactKind.Ring], 0.5).Pixels);
    }
}
