using ScoreBatch.Jobs.Scoring;
using ScoreBatch.Jobs.Synthetic;

namespace ScoreBatch.Jobs.Tests.Scoring;

public class InputBaselinesTests
{
    private static float[] Image(int size, params (int Row, int Col, float Value)[] pixels)
    {
        var image = new float[size * size];
        foreach (var (r, c, v) in pixels) image[r * size + c] = v;
        return image;
    }

    [Fact]
    public void FluxOutside_HandPlacedPixels_FractionBeyondFifthOfSide()
    {
        // 10x10: centre (4.5, 4.5), r = 2. (4, 4) is 0.71 px from the centre (inside), (0, 0) 6.4 px (outside);
        // the negative pixel is not flux. Outside 1 of 1 + 3 positive.
        var image = Image(10, (4, 4, 3f), (0, 0, 1f), (9, 0, -5f));
        Assert.Equal(0.25, InputBaselines.FluxOutside(image, 10, 10), 12);
        Assert.Equal(0.0, InputBaselines.FluxOutside(new float[16], 4, 4)); // no flux: 0, not NaN
    }

    [Fact]
    public void Peaks_TwoSeparatedSourcesAndABumpOnOne_CountsTwo()
    {
        // Background 0 (median), sigma 0 -> thresholds are 1 % of the peak. Source A at (5,5) = 1 with a shoulder
        // (5,8) = 0.9 joined by 0.95, 0.92 (no dip: the same source); source B at (14,14) = 0.5, zeros between.
        var image = Image(20, (5, 5, 1f), (5, 6, 0.95f), (5, 7, 0.92f), (5, 8, 0.9f), (14, 14, 0.5f));
        Assert.Equal(2, InputBaselines.Peaks(image, 20, 20));
        Assert.Equal(0, InputBaselines.Peaks(new float[64], 8, 8)); // flat: nothing rises above the background
    }

    [Fact]
    public void Peaks_PureGaussianNoise_NoneAboveFiveSigma()
    {
        // 64x64 of N(0, 1): P(z > 5) ~ 3e-7 per pixel, so a 4096-pixel field has no 5-sigma peak (the robust sigma
        // is ~1, not fooled into 0); one planted 8-sigma source is found.
        var rng = new Random(3);
        var image = new float[64 * 64];
        for (int k = 0; k < image.Length; k++) image[k] = (float)SeedSequence.NextGaussian(rng);
        Assert.Equal(0, InputBaselines.Peaks(image, 64, 64));
        var (median, sigma) = InputBaselines.RobustBackground(image);
        Assert.InRange(median, -0.05, 0.05);
        Assert.InRange(sigma, 0.95, 1.05);
        image[32 * 64 + 32] = 8;
        Assert.Equal(1, InputBaselines.Peaks(image, 64, 64));
    }

    [Fact]
    public void Baselines_SyntheticGalaxyAndItsCompanionTwin_TwinHigherOnBoth()
    {
        // The product's generator and injector: one clean 32x32 galaxy is a single peak with little flux beyond r = 6.4;
        // a companion 0.2-0.35 of the side away adds a second peak and outside flux.
        var options = SersicGalaxyOptions.ForSize(32);
        var generator = new SersicGalaxyGenerator(options);
        var galaxy = generator.Generate(5).Pixels;
        var twin = new CompanionInjector(generator).Inject(galaxy, 32, 9).Pixels;
        Assert.Equal(1, InputBaselines.Peaks(galaxy, 32, 32));
        Assert.Equal(2, InputBaselines.Peaks(twin, 32, 32));
        Assert.True(InputBaselines.FluxOutside(twin, 32, 32) > InputBaselines.FluxOutside(galaxy, 32, 32) + 0.05,
            $"{InputBaselines.FluxOutside(twin, 32, 32)} vs {InputBaselines.FluxOutside(galaxy, 32, 32)}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(1024)]
    [InlineData(1023)]
    public void RobustBackground_OddEvenAndTiedSizes_MatchesSortingTheDeviations(int n)
    {
        // The merge walk against the textbook definition: median, then the median of |x - median| sorted afresh.
        // Values rounded to 0.1 so that ties (and ties at the median) occur.
        var rng = new Random(n);
        var x = Enumerable.Range(0, n).Select(_ => (float)Math.Round(rng.NextDouble() * 3 - 1, 1)).ToArray();
        static double Median(double[] v)
        {
            var s = v.Order().ToArray();
            return s.Length % 2 == 1 ? s[s.Length / 2] : 0.5 * (s[s.Length / 2 - 1] + s[s.Length / 2]);
        }
        double median = Median([.. x.Select(v => (double)v)]);
        double mad = Median([.. x.Select(v => Math.Abs(v - median))]);
        var (m, sigma) = InputBaselines.RobustBackground(x);
        Assert.Equal(median, m, 12);
        Assert.Equal(1.4826 * mad, sigma, 9);
    }
}
