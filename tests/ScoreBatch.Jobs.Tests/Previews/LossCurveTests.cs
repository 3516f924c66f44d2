using ScoreBatch.Jobs.Previews;
using SkiaSharp;

namespace ScoreBatch.Jobs.Tests.Previews;

public class LossCurveTests
{
    [Fact]
    public void Reduce_TenPointsToFive_AveragesPairsAndDropsNaN()
    {
        long[] steps = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
        double[] losses = [1, 3, 5, 7, 9, 11, 13, 15, 17, 19, double.NaN];
        var (s, l) = LossCurve.Reduce(steps, losses, maxPoints: 5);
        Assert.Equal([2L, 4, 6, 8, 10], s); // means of (1, 2) = 1.5 rounds to even 2, (3, 4) = 3.5 to 4, ...
        Assert.Equal([2.0, 6, 10, 14, 18], l);
    }

    [Fact]
    public void Render_HundredThousandSteps_DrawsAPng()
    {
        var steps = Enumerable.Range(1, 100_000).Select(i => (long)i).ToArray();
        using var bitmap = SKBitmap.Decode(LossCurve.Render(steps, [.. steps.Select(i => 0.02 + 1.0 / i)], "train"));
        Assert.Equal((760, 404), (bitmap.Width, bitmap.Height));
        Assert.Throws<ArgumentException>(() => LossCurve.Render([], [], "empty"));
    }
}
