namespace ScoreBatch.Jobs.Anomaly;

/// <summary>
/// The number of significant peaks of a cutout, a no-model statistic that the density also uses as a feature (a ring
/// is many peaks): local maxima (strictly above their 8 neighbours) of the 3x3 box-smoothed image (edges repeated)
/// that exceed <see cref="Sigmas"/> times the smoothed noise (sigma / 3 for a 3x3 mean of white noise), outside the
/// central peak (radius &gt;= 2 px from the centre pixel).
/// </summary>
public static class PeakCount
{
    /// <summary>5 sigma of the smoothed image: pure noise gives about 3e-7 false peaks per pixel.</summary>
    public const double Sigmas = 5.0;

    /// <summary>Peaks of a [height x width] row-major cutout whose pixel noise std is <paramref name="sigma"/>.</summary>
    public static int Count(ReadOnlySpan<float> x, int height, int width, double sigma)
    {
        if (x.Length != height * width) throw new ArgumentException($"{x.Length} pixels for {height}x{width}", nameof(x));
        var smooth = new double[x.Length];
        for (int i = 0; i < height; i++)
            for (int j = 0; j < width; j++)
            {
                double sum = 0;
                for (int di = -1; di <= 1; di++)
                    for (int dj = -1; dj <= 1; dj++)
                        sum += x[(Math.Clamp(i + di, 0, height - 1) * width) + Math.Clamp(j + dj, 0, width - 1)];
                smooth[(i * width) + j] = sum / 9.0;
            }
        double threshold = Sigmas * sigma / 3.0;
        int cy = (height - 1) / 2, cx = (width - 1) / 2, peaks = 0;
        for (int i = 0; i < height; i++)
            for (int j = 0; j < width; j++)
            {
                double v = smooth[(i * width) + j];
                if (!(v > threshold) || (((i - cy) * (i - cy)) + ((j - cx) * (j - cx)) < 4)) continue;
                bool isMax = true;
                for (int di = -1; di <= 1 && isMax; di++)
                    for (int dj = -1; dj <= 1; dj++)
                    {
                        if (di == 0 && dj == 0) continue;
                        int a = i + di, b = j + dj;
                        if (a >= 0 && a < height && b >= 0 && b < width && smooth[(a * width) + b] >= v)
                        {
                            isMax = false;
                            break;
                        }
                    }
                if (isMax) peaks++;
            }
        return peaks;
    }
}
