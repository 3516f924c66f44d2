using ScoreBatch.Jobs.Synthetic;
using Xunit.Abstractions;

namespace ScoreBatch.Jobs.Tests.Synthetic;

public class SersicGalaxyGeneratorTests(ITestOutputHelper output)
{
    [Fact]
    public void Generate_Defaults_PeakOneAtCentrePixelAndNonNegative()
    {
        var gen = new SersicGalaxyGenerator(new SersicGalaxyOptions());
        for (int seed = 0; seed < 50; seed++)
        {
            var g = gen.Generate(seed);
            int argmax = Array.IndexOf(g.Pixels, g.Pixels.Max());
            Assert.Equal(1f, g.Pixels.Max());                // max-normalised like the training data
            Assert.Equal(15 * 32 + 15, argmax);             // peak at (15, 15) like 31 -> 32 padded cutouts
            Assert.True(g.Pixels.Min() >= 0, $"seed {seed} has a negative pixel");
            Assert.Equal((0, 0), g.Shift);                   // noise-free: no recentring was needed
        }
    }

    [Fact]
    public void Generate_WithNoise_StaysCentredNonNegativeAndMaxOne()
    {
        var gen = new SersicGalaxyGenerator(new SersicGalaxyOptions(Size: 64, NoiseSigma: 0.05));
        for (int seed = 0; seed < 30; seed++)
        {
            var g = gen.Generate(seed);
            Assert.Equal(1f, g.Pixels.Max());
            Assert.Equal(31 * 64 + 31, Array.IndexOf(g.Pixels, 1f));
            Assert.True(g.Pixels.Min() >= 0);
        }
    }

    [Fact]
    public void Generate_SameSeed_IdenticalPixels_DifferentSeed_Differs()
    {
        var a = new SersicGalaxyGenerator(new SersicGalaxyOptions(NoiseSigma: 0.02)).Generate(1234);
        var b = new SersicGalaxyGenerator(new SersicGalaxyOptions(NoiseSigma: 0.02)).Generate(1234);
        var c = new SersicGalaxyGenerator(new SersicGalaxyOptions(NoiseSigma: 0.02)).Generate(1235);
        Assert.Equal(a.Pixels, b.Pixels);
        Assert.Equal(a.Shape, b.Shape);
        Assert.NotEqual(a.Pixels, c.Pixels);
    }

    [Fact]
    public void Generate_Defaults_MostPixelsExactlyZeroLikeRealData()
    {
        // The public subset of the real data has 83 % exact zeros; the footprint cut must give a majority of
        // exact zeros at 32² and never an all-zero background-free frame (every galaxy keeps > 5 px of signal).
        var gen = new SersicGalaxyGenerator(new SersicGalaxyOptions());
        double zeros = 0;
        const int count = 200;
        for (int seed = 0; seed < count; seed++)
        {
            var g = gen.Generate(seed);
            int z = g.Pixels.Count(v => v == 0f);
            Assert.True(g.Pixels.Length - z > 5, $"seed {seed}: only {g.Pixels.Length - z} non-zero pixels");
            zeros += z / (double)g.Pixels.Length;
        }
        double fraction = zeros / count;
        output.WriteLine($"mean fraction of exact zeros at 32²: {fraction:F3}");
        Assert.InRange(fraction, 0.5, 0.95);
    }

    [Fact]
    public void Options_BadValue_MessageNamesIt()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new SersicGalaxyGenerator(new SersicGalaxyOptions(MaxIndex: 6)));
        Assert.Contains("6", ex.Message);
        var ex2 = Assert.Throws<ArgumentOutOfRangeException>(() => new SersicGalaxyOptions(Psf: new PsfOptions(Fwhm: -1)).Validate());
        Assert.Contains("-1", ex2.Message);
    }
}
