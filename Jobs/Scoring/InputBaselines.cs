namespace ScoreBatch.Jobs.Scoring;

/// <summary>
/// No-model detector statistics computed from a cutout's own pixels [height x width] (row-major), written next to
/// the score summaries so that `scorebatch evaluate` can show what a prior adds over them. Both are "higher = more
/// anomalous" for cutouts centred on one galaxy.
/// </summary>
public static class InputBaselines
{
    /// <summary>Radius of the central disk, as a fraction of the cutout side S = min(height, width): r = S/5.</summary>
    public const double RadiusFraction = 0.2;

    /// <summary>A peak must exceed the background by this many robust sigmas.</summary>
    public const double PeakSigmas = 5;

    /// <summary>Two peaks are separate sources when the straight path between them dips this many sigmas below the fainter one.</summary>
    public const double SaddleSigmas = 3;

    /// <summary>Floor of both thresholds as a fraction of (maximum - background), so noise-free images (sigma 0) do not count every ripple.</summary>
    public const double MinFraction = 0.01;

    /// <summary>A peak is the largest pixel within this many pixels (Chebyshev distance): peaks are at least 3 pixels apart.</summary>
    public const int Separation = 2;

    /// <summary>
    /// flux_outside: the fraction of the positive flux, sum of max(x, 0), at pixels farther than r = S/5 from the
    /// cutout centre ((height - 1)/2, (width - 1)/2); 0 for an image without positive flux. A companion or a ring
    /// puts flux outside; a compact galaxy keeps it inside.
    /// </summary>
    public static double FluxOutside(ReadOnlySpan<float> pixels, int height, int width)
    {
        Check(pixels, height, width);
        double cy = (height - 1) / 2.0, cx = (width - 1) / 2.0, r = Math.Min(height, width) * RadiusFraction;
        double total = 0, outside = 0;
        for (int i = 0; i < height; i++)
        {
            for (int j = 0; j < width; j++)
            {
                double v = pixels[i * width + j];
                if (!(v > 0)) continue;
                total += v;
                double dy = i - cy, dx = j - cx;
                if (dy * dy + dx * dx > r * r) outside += v;
            }
        }
        return total > 0 ? outside / total : 0;
    }

    /// <summary>
    /// peaks: the number of significant local maxima. Background b = median of all pixels, sigma = 1.4826 · MAD
    /// (both robust to the galaxy covering less than half the cutout). A pixel is a candidate when it exceeds
    /// b + max(5 sigma, 0.01 (max - b)) and is the largest pixel within 2 pixels (ties: the first in row-major
    /// order). Candidates are taken brightest first; one counts only when the straight path to every brighter
    /// counted peak dips at least max(3 sigma, 0.01 (max - b)) below it (a separate source, not a bump on the same
    /// one). A single smooth galaxy gives 1; a companion adds one; a ring adds several; an empty image gives 0.
    /// </summary>
    public static int Peaks(ReadOnlySpan<float> pixels, int height, int width)
    {
        Check(pixels, height, width);
        var (background, sigma) = RobustBackground(pixels);
        double max = double.NegativeInfinity;
        foreach (var v in pixels) max = Math.Max(max, v);
        double range = max - background;
        if (!(range > 0)) return 0;
        double level = background + Math.Max(PeakSigmas * sigma, MinFraction * range);
        double dip = Math.Max(SaddleSigmas * sigma, MinFraction * range);
        var candidates = new List<int>();
        for (int k = 0; k < pixels.Length; k++)
        {
            if (pixels[k] > level && IsWindowMaximum(pixels, height, width, k)) candidates.Add(k);
        }
        if (candidates.Count <= 1) return candidates.Count;
        var values = pixels.ToArray();
        candidates.Sort((a, b) => values[b] != values[a] ? values[b].CompareTo(values[a]) : a.CompareTo(b));
        var counted = new List<int>();
        foreach (int k in candidates)
        {
            double limit = values[k] - dip;
            if (counted.TrueForAll(p => PathMinimum(values, width, p, k) < limit)) counted.Add(k);
        }
        return counted.Count;
    }

    /// <summary>(median, 1.4826 · median absolute deviation) of the pixels: the Gaussian sigma for pure noise.</summary>
    internal static (double Median, double Sigma) RobustBackground(ReadOnlySpan<float> pixels)
    {
        var sorted = pixels.ToArray();
        Array.Sort(sorted);
        int n = sorted.Length;
        double median = n % 2 == 1 ? sorted[n / 2] : 0.5 * ((double)sorted[n / 2 - 1] + sorted[n / 2]);
        // The deviations |x - median| in increasing order are a merge of two sorted runs: going down from the
        // median on the left and up on the right. Walk the merge to the middle instead of sorting them again.
        int left = n / 2 - 1, right = n / 2;
        if (n % 2 == 1) right++; // the median element itself (deviation 0) is the first
        double Next()
        {
            double dl = left >= 0 ? median - sorted[left] : double.PositiveInfinity;
            double dr = right < n ? sorted[right] - median : double.PositiveInfinity;
            if (dl <= dr)
            {
                left--;
                return dl;
            }
            right++;
            return dr;
        }
        double previous = n % 2 == 1 ? 0 : Next(); // deviation of rank 0
        for (int rank = 1; rank <= (n - 1) / 2; rank++) previous = Next();
        // previous is now the deviation of rank (n - 1) / 2; for even n the MAD is the mean of ranks n/2 - 1 and n/2.
        double mad = n % 2 == 1 ? previous : 0.5 * (previous + Next());
        return (median, 1.4826 * mad);
    }

    private static bool IsWindowMaximum(ReadOnlySpan<float> pixels, int height, int width, int k)
    {
        int row = k / width, col = k % width;
        float v = pixels[k];
        for (int i = Math.Max(0, row - Separation); i <= Math.Min(height - 1, row + Separation); i++)
        {
            for (int j = Math.Max(0, col - Separation); j <= Math.Min(width - 1, col + Separation); j++)
            {
                int n = i * width + j;
                if (pixels[n] > v || (pixels[n] == v && n < k)) return false;
            }
        }
        return true;
    }

    /// <summary>The smallest pixel on the straight path from pixel a to pixel b (nearest pixels at half-pixel steps, ends excluded).</summary>
    private static double PathMinimum(float[] values, int width, int a, int b)
    {
        int ar = a / width, ac = a % width, br = b / width, bc = b % width;
        int steps = 2 * Math.Max(Math.Abs(br - ar), Math.Abs(bc - ac));
        double min = double.PositiveInfinity;
        for (int s = 1; s < steps; s++)
        {
            double f = (double)s / steps;
            int r = (int)Math.Round(ar + f * (br - ar), MidpointRounding.AwayFromZero);
            int c = (int)Math.Round(ac + f * (bc - ac), MidpointRounding.AwayFromZero);
            int k = r * width + c;
            if (k == a || k == b) continue;
            min = Math.Min(min, values[k]);
        }
        return min;
    }

    private static void Check(ReadOnlySpan<float> pixels, int height, int width)
    {
        if (height < 1 || width < 1 || pixels.Length != height * width)
            throw new ArgumentException($"image holds {pixels.Length} values, expected {height}x{width} = {height * width} (> 0)", nameof(pixels));
    }
}
