namespace ScoreBatch.Jobs.Scoring;

/// <summary>
/// A robust per-cutout estimate of the background level and pixel noise from the pixels far from the centre pixel
/// ((H-1)/2, (W-1)/2, where a centred galaxy's peak sits): radius &gt; <see cref="OuterRadiusFraction"/> of the smaller
/// side, where its light has faded. level = median; sigma = 1.4826·MAD (the normal-consistent median absolute
/// deviation) after one 3-sigma clip, so a companion or a hot pixel in the outskirts barely moves it. A noise-free
/// cutout (exact zeros outside the galaxy) gives sigma = 0.
/// </summary>
public static class BackgroundNoise
{
    /// <summary>Pixels at radius above 0.4 of the smaller side count as background: half of a 32² cutout.</summary>
    public const double OuterRadiusFraction = 0.4;

    /// <summary>(level, sigma) of a [height x width] row-major cutout, in its own (x-space) units.</summary>
    public static (double Level, double Sigma) Estimate(ReadOnlySpan<float> pixels, int height, int width)
    {
        if (height < 1 || width < 1 || pixels.Length != height * width)
            throw new ArgumentException($"{pixels.Length} pixels for a {height}x{width} cutout", nameof(pixels));
        int cy = (height - 1) / 2, cx = (width - 1) / 2;
        double r = OuterRadiusFraction * Math.Min(height, width), r2 = r * r;
        var outer = new List<double>(pixels.Length);
        for (int i = 0; i < height; i++)
            for (int j = 0; j < width; j++)
            {
                double dy = i - cy, dx = j - cx;
                if ((dy * dy) + (dx * dx) > r2) outer.Add(pixels[(i * width) + j]);
            }
        if (outer.Count < 8) // tiny cutouts: use every pixel
        {
            outer.Clear();
            foreach (var p in pixels) outer.Add(p);
        }
        var (level, mad) = MedianAndMad(outer);
        // One 3-sigma clip: drop what a companion or hot pixel adds, then measure again.
        var clipped = outer.Where(v => Math.Abs(v - level) < (3 * 1.4826 * mad) + 1e-12).ToList();
        if (clipped.Count >= 8) (level, mad) = MedianAndMad(clipped);
        return (level, 1.4826 * mad);
    }

    private static (double Median, double Mad) MedianAndMad(List<double> values)
    {
        var median = Median([.. values]);
        return (median, Median(values.Select(v => Math.Abs(v - median)).ToArray()));
    }

    private static double Median(double[] values)
    {
        Array.Sort(values);
        int n = values.Length;
        return n % 2 == 1 ? values[n / 2] : 0.5 * (values[(n / 2) - 1] + values[n / 2]);
    }
}
