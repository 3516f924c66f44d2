namespace ScoreBatch.Jobs.Synthetic;

/// <summary>
/// A normalised, pixel-integrated PSF kernel [Size x Size] (Size odd, centre at Size/2) and "same"-size
/// convolution with zero boundaries.
/// </summary>
public sealed class PsfKernel
{
    private const int Subsamples = 5;

    /// <summary>Kernel weights [Size x Size], row-major, summing to 1.</summary>
    public double[] Weights { get; }

    /// <summary>Side length (odd).</summary>
    public int Size { get; }

    private PsfKernel(double[] weights, int size)
    {
        Weights = weights;
        Size = size;
    }

    /// <summary>Builds the kernel for <paramref name="psf"/>, or null for <see cref="PsfKind.None"/>.</summary>
    public static PsfKernel? Create(PsfOptions psf)
    {
        psf.Validate();
        Func<double, double> profile;
        double radius;
        switch (psf.Kind)
        {
            case PsfKind.None:
                return null;
            case PsfKind.Gaussian:
                double sigma = psf.Fwhm / (2 * Math.Sqrt(2 * Math.Log(2)));
                profile = r2 => Math.Exp(-r2 / (2 * sigma * sigma));
                radius = 4 * sigma; // holds all but 3e-4 of the flux
                break;
            case PsfKind.Moffat:
                double beta = psf.MoffatBeta;
                double alpha = psf.Fwhm / (2 * Math.Sqrt(Math.Pow(2, 1 / beta) - 1));
                profile = r2 => Math.Pow(1 + r2 / (alpha * alpha), -beta);
                radius = alpha * Math.Sqrt(Math.Pow(1e3, 1 / beta) - 1); // where the profile falls to 1e-3 of its peak
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(psf), psf.Kind, $"unknown PSF kind {psf.Kind}");
        }
        int half = Math.Clamp((int)Math.Ceiling(radius), 1, 15);
        int size = 2 * half + 1;
        var w = new double[size * size];
        double sum = 0;
        for (int i = 0; i < size; i++)
            for (int j = 0; j < size; j++)
            {
                double acc = 0;
                for (int a = 0; a < Subsamples; a++)
                    for (int b = 0; b < Subsamples; b++)
                    {
                        double dy = i - half - 0.5 + (a + 0.5) / Subsamples;
                        double dx = j - half - 0.5 + (b + 0.5) / Subsamples;
                        acc += profile(dx * dx + dy * dy);
                    }
                w[i * size + j] = acc;
                sum += acc;
            }
        for (int k = 0; k < w.Length; k++) w[k] /= sum;
        return new PsfKernel(w, size);
    }

    /// <summary>Convolves an image [height x width] with this kernel; flux falling outside the image is lost.</summary>
    public double[] Convolve(ReadOnlySpan<double> image, int height, int width)
    {
        if (image.Length != height * width)
            throw new ArgumentException($"image holds {image.Length} values, expected {height}x{width} = {height * width}", nameof(image));
        int half = Size / 2;
        var result = new double[image.Length];
        for (int i = 0; i < height; i++)
            for (int j = 0; j < width; j++)
            {
                double v = image[i * width + j];
                if (v == 0) continue;
                // Scatter: each source pixel spreads its value over the kernel footprint.
                for (int a = Math.Max(0, half - i); a < Size && i + a - half < height; a++)
                {
                    int row = (i + a - half) * width;
                    int krow = a * Size;
                    for (int b = Math.Max(0, half - j); b < Size && j + b - half < width; b++)
                        result[row + j + b - half] += v * Weights[krow + b];
                }
            }
        return result;
    }
}
