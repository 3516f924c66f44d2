using ScoreBatch.Jobs.Previews;
using SkiaSharp;

namespace ScoreBatch.Jobs.Tests.Previews;

public class PreviewRendererTests
{
    /// <summary>A 32x32 Gaussian galaxy and the score of N(0, 1) data, -x, plus a spike: a picture with known content.</summary>
    private static CutoutPreview Galaxy(string id = "field/a.fits[SCI]#3")
    {
        const int n = 32;
        var input = new float[n * n];
        var score = new float[n * n];
        for (int r = 0; r < n; r++)
            for (int c = 0; c < n; c++)
            {
                float d2 = (r - 15.5f) * (r - 15.5f) + (c - 15.5f) * (c - 15.5f);
                input[r * n + c] = MathF.Exp(-d2 / 30f);
                score[r * n + c] = -input[r * n + c] + (r == 5 && c == 25 ? 4f : 0f);
            }
        return new CutoutPreview(id, n, n, input, score,
            [new("mean_abs_score", score.Average(MathF.Abs)), new("max_abs_score", 4.0), new("frac_above", 0.001)]);
    }

    /// <summary>Writes the PNG to SCOREBATCH_KEEP_PREVIEWS when set, so that a person can look at it.</summary>
    private static void Keep(string name, byte[] png)
    {
        if (Environment.GetEnvironmentVariable("SCOREBATCH_KEEP_PREVIEWS") is { Length: > 0 } dir)
            File.WriteAllBytes(Path.Combine(dir, name), png);
    }

    [Fact]
    public void RenderCutout_ThreePanels_PngOfExpectedSizeWithDivergingScoreColours()
    {
        var png = PreviewRenderer.RenderCutout(Galaxy());
        Keep("cutout.png", png);
        using var bitmap = SKBitmap.Decode(png);
        Assert.Equal((3 * 380, 64 + 340), (bitmap.Width, bitmap.Height));
        // The score panel (middle third) uses a diverging map: negative scores (galaxy) and the positive spike give
        // both blue-dominant and red-dominant pixels; the grey input panel (left third) has neither.
        int Count(int x0, Func<SKColor, bool> test)
        {
            int k = 0;
            for (int y = 64; y < bitmap.Height; y += 2)
                for (int x = x0; x < x0 + 380; x += 2)
                    if (test(bitmap.GetPixel(x, y))) k++;
            return k;
        }
        static bool Blue(SKColor c) => c.Blue > c.Red + 60;
        static bool Red(SKColor c) => c.Red > c.Blue + 60;
        Assert.True(Count(380, Blue) > 100, "score panel has blue (negative) pixels");
        Assert.True(Count(380, Red) > 5, "score panel has red (positive) pixels");
        Assert.Equal(0, Count(0, c => Blue(c) || Red(c)));
    }

    [Fact]
    public void RenderCutout_WithRegion_OutlinesItInCyanOnTheInputAndAbsPanelsOnly()
    {
        // The region (the spike at row 5, col 25) is drawn as a cyan circle: cyan pixels (strong green and blue, little
        // red) appear in the grey input panel and the inferno |score| panel, which have none without it, and not in
        // the middle (diverging) panel.
        var plain = Galaxy();
        var marked = plain with { Region = new ScoreBatch.Jobs.Anomaly.ResidualRegion(5, 25, 4) };
        var png = PreviewRenderer.RenderCutout(marked);
        Keep("cutout-region.png", png);
        static int Cyan(SKBitmap b, int from, int to)
        {
            int count = 0;
            for (int x = from; x < to; x++)
                for (int y = 64; y < b.Height; y++)
                {
                    var p = b.GetPixel(x, y);
                    if (p.Green > 180 && p.Blue > 180 && p.Red < 80) count++;
                }
            return count;
        }
        using var with = SKBitmap.Decode(png);
        using var without = SKBitmap.Decode(PreviewRenderer.RenderCutout(plain));
        int third = with.Width / 3;
        Assert.Equal(0, Cyan(without, 0, third));
        Assert.True(Cyan(with, 0, third) > 20, "no outline on the input panel");
        Assert.True(Cyan(with, 2 * third, with.Width) > 20, "no outline on the |score| panel");
        Assert.Equal(Cyan(without, third, 2 * third), Cyan(with, third, 2 * third));
    }

    [Fact]
    public void RenderCutout_WrongArrayLength_ThrowsNamingCutout()
    {
        var bad = Galaxy() with { Score = new float[10] };
        var e = Assert.Throws<ArgumentException>(() => PreviewRenderer.RenderCutout(bad));
        Assert.Contains("field/a.fits[SCI]#3: score holds 10 values, expected 32 x 32", e.Message);
    }

    [Fact]
    public void RenderHistogram_Scores_DecodesAtConfiguredSize()
    {
        var values = Enumerable.Range(0, 200).Select(i => Math.Exp(Math.Sin(i) * 2)).Append(double.NaN).ToList();
        var png = PreviewRenderer.RenderHistogram(values, "mean_abs_score", threshold: 5.0);
        Keep("histogram.png", png);
        using var bitmap = SKBitmap.Decode(png);
        Assert.Equal((760, 404), (bitmap.Width, bitmap.Height));
        Assert.Throws<ArgumentException>(() => PreviewRenderer.RenderHistogram([double.NaN], "x"));
    }

    [Fact]
    public void RenderLossCurve_DecayingLoss_DecodesAndRejectsMismatchedInput()
    {
        var steps = Enumerable.Range(1, 200).Select(i => (long)i * 50).ToList();
        var losses = steps.Select(s => 0.015 + 2.0 / Math.Sqrt(s) * (1 + 0.1 * Math.Sin(s))).ToList();
        var png = PreviewRenderer.RenderLossCurve(steps, losses, "train job-7 (mixer 32x32)");
        Keep("loss.png", png);
        using var bitmap = SKBitmap.Decode(png);
        Assert.Equal((760, 404), (bitmap.Width, bitmap.Height));
        Assert.Throws<ArgumentException>(() => PreviewRenderer.RenderLossCurve([1, 2], [0.5], "x"));
        Assert.Throws<ArgumentException>(() => PreviewRenderer.RenderLossCurve([1], [0.0], "x"));
    }

    [Fact]
    public void MostAnomalous_Scores_LargestFirstSkippingNaN()
    {
        Assert.Equal([3, 0, 2], PreviewRenderer.MostAnomalous([5.0, 1.0, 5.0 - 1e-9, 9.0, double.NaN], 3));
        Assert.Equal([1, 0], PreviewRenderer.MostAnomalous([2.0, 2.0 + 1e-12], 10));
    }

    [Fact]
    public void FileName_IdWithPathAndBrackets_IsSafeAndRanked()
    {
        Assert.Equal("rank-007_field_a.fits_SCI__3.png", PreviewRenderer.FileName(7, "field/a.fits[SCI]#3"));
        Assert.Equal("rank-001_s.npz_img_0.png", PreviewRenderer.FileName(1, "s.npz:img#0"));
    }
}
