namespace ScoreBatch.Jobs.Anomaly;

/// <summary>
/// Where a cutout's unexplained light is: the pixels whose 3x3-mean standardised residual stands out
/// (z = 3·mean, about N(0, 1) for pure noise, above <see cref="Threshold"/>), connected (8-neighbours) to the most
/// significant one. Centroid weighted by z², area in pixels; area 0 when nothing stands out (the centroid is then
/// the location of the largest z).
/// </summary>
/// <param name="Row">Centroid row (cutout pixels).</param>
/// <param name="Col">Centroid column.</param>
/// <param name="Area">Pixels in the region.</param>
public sealed record ResidualRegion(double Row, double Col, int Area)
{
    /// <summary>z above 4: about 3e-5 of pure-noise pixels, so one false pixel in 30 cutouts of 32².</summary>
    public const double Threshold = 4.0;

    public static ResidualRegion None { get; } = new(double.NaN, double.NaN, 0);

    /// <summary>The region of a standardised residual map <paramref name="e"/> [height x width] row-major.</summary>
    public static ResidualRegion Find(ReadOnlySpan<float> e, int height, int width)
    {
        if (e.Length != height * width || e.Length == 0) return None;
        var z = new double[e.Length];
        int best = 0;
        for (int i = 0; i < height; i++)
            for (int j = 0; j < width; j++)
            {
                int k = (i * width) + j;
                z[k] = Math.Abs(3 * ScoreFeatures.BoxMean(e, height, width, i, j, 3));
                if (z[k] > z[best]) best = k;
            }
        if (z[best] <= Threshold) return new ResidualRegion(best / width, best % width, 0);
        var seen = new bool[z.Length];
        var stack = new Stack<int>();
        stack.Push(best);
        seen[best] = true;
        double w = 0, rows = 0, cols = 0;
        int area = 0;
        while (stack.Count > 0)
        {
            int k = stack.Pop(), i = k / width, j = k % width;
            double weight = z[k] * z[k];
            w += weight;
            rows += weight * i;
            cols += weight * j;
            area++;
            for (int di = -1; di <= 1; di++)
                for (int dj = -1; dj <= 1; dj++)
                {
                    int a = i + di, b = j + dj;
                    if (a < 0 || a >= height || b < 0 || b >= width) continue;
                    int q = (a * width) + b;
                    if (!seen[q] && z[q] > Threshold)
                    {
                        seen[q] = true;
                        stack.Push(q);
                    }
                }
        }
        return new ResidualRegion(rows / w, cols / w, area);
    }
}
