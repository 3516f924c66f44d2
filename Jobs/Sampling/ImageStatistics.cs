using System.Text.Json.Nodes;

namespace ScoreBatch.Jobs.Sampling;

/// <summary>
/// Statistics of a set of [H x W] images that a person compares between samples and training data: the mean image,
/// a pixel histogram on fixed bins, and the distributions of total flux and size (the flux-weighted RMS radius of the
/// positive pixels about their centroid, in pixels), each as mean, std and quartiles.
/// </summary>
public sealed class ImageStatistics
{
    /// <summary>Pixel histogram bins: 20 equal bins over [0, 1] (peak-normalised data) plus one below and one above.</summary>
    public const int HistogramBins = 20;

    private ImageStatistics(int count, float[] meanImage, double[] histogram, double[] flux, double[] size)
    {
        Count = count;
        MeanImage = meanImage;
        Histogram = histogram;
        Flux = flux;
        Size = size;
    }

    public int Count { get; }

    /// <summary>Mean image, [H x W] row-major.</summary>
    public float[] MeanImage { get; }

    /// <summary>Fraction of pixels per bin: below 0, the 20 bins of [0, 1], above 1.</summary>
    public double[] Histogram { get; }

    public double[] Flux { get; }

    public double[] Size { get; }

    public static ImageStatistics Of(IReadOnlyList<float[]> images, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0) throw new ArgumentException("no images", nameof(images));
        var mean = new double[height * width];
        var histogram = new double[HistogramBins + 2];
        var flux = new double[images.Count];
        var size = new double[images.Count];
        for (var n = 0; n < images.Count; n++)
        {
            var image = images[n];
            if (image.Length != height * width) throw new ArgumentException($"image {n} has {image.Length} pixels, expected {height}x{width}", nameof(images));
            double total = 0, positive = 0, sr = 0, sc = 0;
            for (var i = 0; i < image.Length; i++)
            {
                double v = image[i];
                mean[i] += v;
                total += v;
                var bin = v < 0 ? 0 : v > 1 ? HistogramBins + 1 : 1 + Math.Min(HistogramBins - 1, (int)(v * HistogramBins));
                histogram[bin]++;
                if (v > 0)
                {
                    positive += v;
                    sr += v * (i / width);
                    sc += v * (i % width);
                }
            }
            flux[n] = total;
            if (positive > 0)
            {
                double cr = sr / positive, cc = sc / positive, second = 0;
                for (var i = 0; i < image.Length; i++)
                    if (image[i] > 0) second += image[i] * (Math.Pow((i / width) - cr, 2) + Math.Pow((i % width) - cc, 2));
                size[n] = Math.Sqrt(second / positive);
            }
        }
        var pixels = (double)images.Count * height * width;
        return new ImageStatistics(images.Count, [.. mean.Select(m => (float)(m / images.Count))], [.. histogram.Select(h => h / pixels)], flux, size);
    }

    /// <summary>This set's statistics as JSON (the mean image is written beside it as .npy, not here).</summary>
    public JsonObject ToJson() => new()
    {
        ["count"] = Count,
        ["pixel_histogram"] = new JsonArray([.. Histogram.Select(h => (JsonNode?)Math.Round(h, 6))]),
        ["total_flux"] = Describe(Flux),
        ["size_pixels"] = Describe(Size),
    };

    /// <summary>
    /// How far <paramref name="samples"/> are from <paramref name="reference"/>: RMS difference of the mean images,
    /// total-variation distance of the pixel histograms (0 = same, 1 = disjoint), and the Kolmogorov-Smirnov statistic
    /// of the flux and size distributions.
    /// </summary>
    public static JsonObject Compare(ImageStatistics samples, ImageStatistics reference)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(reference);
        if (samples.MeanImage.Length != reference.MeanImage.Length)
            throw new ArgumentException($"samples have {samples.MeanImage.Length} pixels, the training data {reference.MeanImage.Length}");
        var rms = Math.Sqrt(samples.MeanImage.Zip(reference.MeanImage, (a, b) => Math.Pow(a - b, 2)).Average());
        var tv = 0.5 * samples.Histogram.Zip(reference.Histogram, (a, b) => Math.Abs(a - b)).Sum();
        return new JsonObject
        {
            ["mean_image_rms_difference"] = rms,
            ["pixel_histogram_total_variation"] = tv,
            ["total_flux_ks"] = KolmogorovSmirnov(samples.Flux, reference.Flux),
            ["size_ks"] = KolmogorovSmirnov(samples.Size, reference.Size),
        };
    }

    /// <summary>The two-sample KS statistic: the largest gap between the empirical CDFs.</summary>
    public static double KolmogorovSmirnov(double[] a, double[] b)
    {
        var x = a.Order().ToArray();
        var y = b.Order().ToArray();
        int i = 0, j = 0;
        double d = 0;
        while (i < x.Length && j < y.Length)
        {
            var v = Math.Min(x[i], y[j]);
            while (i < x.Length && x[i] <= v) i++;
            while (j < y.Length && y[j] <= v) j++;
            d = Math.Max(d, Math.Abs(((double)i / x.Length) - ((double)j / y.Length)));
        }
        return d;
    }

    private static JsonObject Describe(double[] values)
    {
        var sorted = values.Order().ToArray();
        var mean = sorted.Average();
        var std = Math.Sqrt(sorted.Select(v => (v - mean) * (v - mean)).Average());
        double Quantile(double q) => sorted[(int)Math.Round(q * (sorted.Length - 1))];
        return new JsonObject { ["mean"] = mean, ["std"] = std, ["q25"] = Quantile(0.25), ["median"] = Quantile(0.5), ["q75"] = Quantile(0.75) };
    }
}
