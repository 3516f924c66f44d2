namespace ScoreBatch.Jobs.Scoring;

/// <summary>
/// A robust per-cutout estimate of the background level and pixel noise from the pixels far from the centre
/// (radius &gt; <see cref="InnerRadiusFraction"/> of the smaller side, where a centred galaxy's light has faded):
/// level = median, sigma = 1.4826·MAD (the normal-consistent median absolute deviation), so a companion or a hot
/// pixel in the outskirts barely moves it. A noise-free cutout (exact zeros outside the galaxy) gives sigma = 0.
/// </summary>
public static class BackgroundNoise
{
    /// <summary>Pixels at radius above 0.35 of the smaller side count as background: 62 % of a 32² cutout.</summary>
    public const double InnerRadiusFraction = 0.35;

    /// <summary>(level, sigma) of a [height x width] row-major cutout, in its own (x-space) units.</summary>
    public static (double Level, double Sigma) Estimate(ReadOnlySpan<float> pixels, int height, int width)
    {
        if (height < 1 || width < 1 || pixels.Length != height * width)
            throw new ArgumentException($"{pixels.Length} pixels for a {height}x{width} cutout", nameof(pixels));
        double cy = (height - 1) / 2.0, cx = (width - 1) / 2.0;
        double r = InnerRadiusFraction * Math.Min(height, width), r2 = r * r;
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
        var level = Median(outer);
        for (int k = 0; k < outer.Count; k++) outer[k] = Math.Abs(outer[k] - level);
        return (level, 1.4826 * Median(outer));
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        int n = values.Count;
        return n % 2 == 1 ? values[n / 2] : 0.5 * (values[(n / 2) - 1] + values[n / 2]);
    }
}
