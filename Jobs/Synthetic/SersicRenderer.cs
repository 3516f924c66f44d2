namespace ScoreBatch.Jobs.Synthetic;

/// <summary>
/// Renders a Sersic profile into pixels by averaging it over Oversample x Oversample sub-pixels per pixel. Pixels
/// within two pixels of the centre, where the n = 4 cusp is steep, are sampled CoreBoost times finer still.
/// Pixel (i, j) covers rows [i - 0.5, i + 0.5] and columns [j - 0.5, j + 0.5].
/// </summary>
public static class SersicRenderer
{
    /// <summary>Extra sub-sampling factor for the pixels next to the centre.</summary>
    public const int CoreBoost = 5;

    /// <summary>
    /// Mean profile value over each pixel, with I(r_e) = 1, as an image [height x width] (row-major).
    /// (<paramref name="centreRow"/>, <paramref name="centreCol"/>) is the source centre in pixel coordinates.
    /// </summary>
    public static double[] Render(SersicShape shape, int height, int width, double centreRow, double centreCol, int oversample)
    {
        shape.Validate();
        if (height < 1 || width < 1) throw new ArgumentOutOfRangeException(nameof(height), $"image must be at least 1x1, got {height}x{width}");
        if (oversample < 1 || oversample > 64) throw new ArgumentOutOfRangeException(nameof(oversample), oversample, $"oversample must be between 1 and 64, got {oversample}");
        double n = shape.Index, re = shape.EffectiveRadius, q = shape.AxisRatio, b = SersicMath.B(n);
        double cos = Math.Cos(shape.PositionAngle), sin = Math.Sin(shape.PositionAngle);
        var image = new double[height * width];
        for (int i = 0; i < height; i++)
            for (int j = 0; j < width; j++)
            {
                bool core = Math.Abs(i - centreRow) < 2 && Math.Abs(j - centreCol) < 2;
                int k = core ? oversample * CoreBoost : oversample;
                double acc = 0;
                for (int a = 0; a < k; a++)
                {
                    double dy = i - 0.5 + (a + 0.5) / k - centreRow;
                    for (int c = 0; c < k; c++)
                    {
                        double dx = j - 0.5 + (c + 0.5) / k - centreCol;
                        double major = dx * cos + dy * sin;
                        double minor = -dx * sin + dy * cos;
                        double r = Math.Sqrt(major * major + minor * minor / (q * q));
                        acc += SersicMath.Intensity(r, n, re, b);
                    }
                }
                image[i * width + j] = acc / (k * k);
            }
        return image;
    }
}
