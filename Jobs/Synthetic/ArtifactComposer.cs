using System.Globalization;

namespace ScoreBatch.Jobs.Synthetic;

/// <summary>Shared pixel arithmetic of the injectors.</summary>
internal static class ArtifactComposer
{
    /// <summary>Contributions below this fraction of the artifact's amplitude are dropped, so pixels outside the artifact stay exactly 0.</summary>
    public const double Cutoff = 1e-3;

    /// <summary>
    /// Adds <paramref name="layer"/> to <paramref name="image"/> and, if anything now exceeds 1, divides by the new
    /// maximum so the image stays max-normalised like the data the prior saw. Returns the divisor (1 when none).
    /// </summary>
    public static double AddAndRenormalise(double[] image, double[] layer)
    {
        double max = 0;
        for (int k = 0; k < image.Length; k++)
        {
            image[k] += layer[k];
            max = Math.Max(max, image[k]);
        }
        if (max <= 1) return 1;
        for (int k = 0; k < image.Length; k++) image[k] /= max;
        return max;
    }

    /// <summary>
    /// Screen-composites a sharp layer (values in [0, 1)): p + v·(1 - p). A detector defect brightens a pixel
    /// without pushing it past the galaxy's peak, so the centre stays the brightest pixel.
    /// </summary>
    public static void Screen(double[] image, double[] layer)
    {
        for (int k = 0; k < image.Length; k++)
            image[k] += layer[k] * (1 - Math.Min(1, image[k]));
    }

    public static double[] ToDouble(ReadOnlySpan<float> image, int size)
    {
        if (image.Length != size * size)
            throw new ArgumentException($"image holds {image.Length} values, expected {size}x{size} = {size * size}", nameof(image));
        var d = new double[image.Length];
        for (int k = 0; k < d.Length; k++) d[k] = image[k];
        return d;
    }

    public static string F(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);
}
