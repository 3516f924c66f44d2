using ScoreBatch.Jobs.Previews;
using SkiaSharp;

namespace ScoreBatch.Jobs.Tests.Previews;

public class AnomalyPreviewsTests
{
    private static CutoutPreview Cutout(string id, float value) =>
        new(id, 4, 4, Enumerable.Repeat(1f, 16).ToArray(), Enumerable.Repeat(value, 16).ToArray(), [new("max_abs_score", value)]);

    [Fact]
    public void Render_TwentyCutoutsK3_KeepsTheThreeLargestInRankOrderPlusHistogram()
    {
        var previews = new AnomalyPreviews(3, "max_abs_score");
        // Scores 7i mod 20 for i = 0..19: a permutation of 0..19.
        for (int i = 0; i < 20; i++)
        {
            int s = (i * 7) % 20;
            previews.Offer(Cutout($"s.npy#{i}", s), s);
        }
        previews.Offer(Cutout("nan.npy", float.NaN), double.NaN);
        var files = previews.Render();
        // 19 = 7i mod 20 at i = 17, 18 at i = 14, 17 at i = 11.
        Assert.Equal(["previews/rank-001_s.npy_17.png", "previews/rank-002_s.npy_14.png", "previews/rank-003_s.npy_11.png", "previews/histogram.png"],
            files.Select(f => f.RelativePath));
        Assert.Equal(21, previews.Count);
        using var first = SKBitmap.Decode(files[0].Png);
        Assert.Equal(3 * 380, first.Width);
    }

    [Fact]
    public void Render_EqualScores_EarlierCutoutRanksFirst()
    {
        var previews = new AnomalyPreviews(2, "mean_abs_score");
        previews.Offer(Cutout("a.npy", 1), 5);
        previews.Offer(Cutout("b.npy", 1), 5);
        previews.Offer(Cutout("c.npy", 1), 5);
        Assert.Equal(["previews/rank-001_a.npy.png", "previews/rank-002_b.npy.png", "previews/histogram.png"],
            previews.Render().Select(f => f.RelativePath));
    }

    [Fact]
    public void Constructor_NegativeK_ThrowsNamingK()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new AnomalyPreviews(-1, "x"));
        Assert.Equal("k", e.ParamName);
    }
}
