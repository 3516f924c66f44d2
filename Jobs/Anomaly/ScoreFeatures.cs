namespace ScoreBatch.Jobs.Anomaly;

/// <summary>The features of <see cref="ScoreFeatureOptions"/> from standardised residual maps and the cutout itself.</summary>
public static class ScoreFeatures
{
    private const double Floor = 1e-8; // keeps log finite where a region's residual is exactly zero

    /// <summary>
    /// Appends the four features of one level to <paramref name="features"/>: <paramref name="residual"/> is e_c
    /// [height x width] row-major (the cutout's own pixels, padding cropped). With m_corner the median of e² over the
    /// corners (r &gt;= outer radius: the cutout's own noise reference, robust to a neighbour there) and mb_corner that of
    /// b² (b the 3x3 mean of e, zero outside): log mean_inner e² - log m_corner, log mean_annulus e² - log m_corner,
    /// log max_annulus b² - log mb_corner, log m_corner. Dividing by the cutout's own noise makes the features
    /// comparable across signal-to-noise and between synthetic and real noise.
    /// </summary>
    public static void AddLevel(List<double> features, ReadOnlySpan<float> residual, int height, int width, ScoreFeatureOptions options)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(options);
        if (residual.Length != height * width) throw new ArgumentException($"{residual.Length} residuals for {height}x{width}", nameof(residual));
        int cy = (height - 1) / 2, cx = (width - 1) / 2;
        double side = Math.Min(height, width), inner = options.InnerRadius * side, outer = options.OuterRadius * side;
        double innerSum = 0, annulusSum = 0;
        int innerCount = 0, annulusCount = 0;
        var corner = new List<double>();
        var boxes = options.BoxSizes;
        var boxMax = new double[boxes.Count];
        var cornerBox = new List<double>[boxes.Count];
        for (int b = 0; b < boxes.Count; b++) cornerBox[b] = [];
        for (int i = 0; i < height; i++)
            for (int j = 0; j < width; j++)
            {
                double r = Math.Sqrt(((i - cy) * (i - cy)) + ((j - cx) * (j - cx)));
                double e = residual[(i * width) + j];
                if (r < inner)
                {
                    innerSum += e * e;
                    innerCount++;
                }
                else if (r < outer)
                {
                    annulusSum += e * e;
                    annulusCount++;
                    for (int b = 0; b < boxes.Count; b++)
                    {
                        double box = BoxMean(residual, height, width, i, j, boxes[b]);
                        boxMax[b] = Math.Max(boxMax[b], box * box);
                    }
                }
                else
                {
                    corner.Add(e * e);
                    for (int b = 0; b < boxes.Count; b++)
                    {
                        double box = BoxMean(residual, height, width, i, j, boxes[b]);
                        cornerBox[b].Add(box * box);
                    }
                }
            }
        double noise = Math.Log(Median(corner) + Floor);
        features.Add(Math.Log((innerCount > 0 ? innerSum / innerCount : 0) + Floor) - noise);
        features.Add(Math.Log((annulusCount > 0 ? annulusSum / annulusCount : 0) + Floor) - noise);
        for (int b = 0; b < boxes.Count; b++)
            features.Add(Math.Log(boxMax[b] + Floor) - Math.Log(Median(cornerBox[b]) + Floor));
        features.Add(noise);
    }

    /// <summary>Mean of the k x k neighbourhood (k odd), zero outside the cutout (as numpy's zero padding), divided by k²;
    /// also the localisation's and the clean mask's 3x3 mean (z = 3 x the 3x3 mean is about N(0, 1) for pure noise).</summary>
    internal static double BoxMean(ReadOnlySpan<float> e, int height, int width, int i, int j, int k)
    {
        double sum = 0;
        int h = k / 2;
        for (int di = -h; di <= h; di++)
            for (int dj = -h; dj <= h; dj++)
            {
                int a = i + di, b = j + dj;
                if (a >= 0 && a < height && b >= 0 && b < width) sum += e[(a * width) + b];
            }
        return sum / (k * k);
    }

    /// <summary>Median (numpy's: mean of the two middle values for an even count); 0 for none.</summary>
    private static double Median(List<double> values)
    {
        if (values.Count == 0) return 0;
        values.Sort();
        int n = values.Count;
        return n % 2 == 1 ? values[n / 2] : 0.5 * (values[(n / 2) - 1] + values[n / 2]);
    }
}
