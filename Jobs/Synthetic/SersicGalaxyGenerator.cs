namespace ScoreBatch.Jobs.Synthetic;

/// <summary>
/// Draws synthetic galaxies that look like the real training data (see <see cref="SersicGalaxyOptions"/>).
/// Deterministic: the same options and seed give the same pixels on every machine (System.Random with an
/// explicit seed, double arithmetic, float only at the end). Returns the noise-free scene when an observation
/// noise model is set (<see cref="SersicGalaxyOptions.Noise"/>): <see cref="SyntheticDatasetBuilder"/> observes it
/// after injecting any artifact.
/// </summary>
public sealed class SersicGalaxyGenerator
{
    private readonly PsfKernel? _psf;

    public SersicGalaxyGenerator(SersicGalaxyOptions options)
    {
        options.Validate();
        Options = options;
        _psf = PsfKernel.Create(options.EffectivePsf);
    }

    public SersicGalaxyOptions Options { get; }

    /// <summary>Draws the galaxy for <paramref name="seed"/>.</summary>
    public SyntheticGalaxy Generate(int seed)
    {
        var o = Options;
        var rng = new Random(seed);
        var shape = new SersicShape(
            Index: SeedSequence.Uniform(rng, o.MinIndex, o.MaxIndex),
            EffectiveRadius: SeedSequence.Uniform(rng, o.MinEffectiveRadius, o.MaxEffectiveRadius),
            AxisRatio: SeedSequence.Uniform(rng, o.MinAxisRatio, 1.0),
            PositionAngle: SeedSequence.Uniform(rng, 0, Math.PI));
        int c = SyntheticGalaxy.CentrePixel(o.Size);
        double dRow = SeedSequence.Uniform(rng, -o.CentreJitter, o.CentreJitter);
        double dCol = SeedSequence.Uniform(rng, -o.CentreJitter, o.CentreJitter);
        var model = RenderNormalised(shape, o.Size, c + dRow, c + dCol);

        var image = new double[model.Length];
        for (int k = 0; k < model.Length; k++)
        {
            // Background cut: exactly 0 outside the footprint, as in the scarlet models (not for observed scenes).
            if (o.Noise is null && model[k] < o.FootprintThreshold) continue;
            double v = model[k] + (o.NoiseSigma > 0 ? o.NoiseSigma * SeedSequence.NextGaussian(rng) : 0);
            image[k] = Math.Max(0, v); // clip after noise: fluxes are non-negative
        }
        var shift = Recentre(image, o.Size);
        NormalisePeak(image);
        return new SyntheticGalaxy(ToFloat(image), o.Size, shape, seed, shift);
    }

    /// <summary>
    /// The noise-free, PSF-convolved profile of <paramref name="shape"/> centred at (row, col), max-normalised to 1,
    /// as an image [size x size]. Companion sources use it too.
    /// </summary>
    public double[] RenderNormalised(SersicShape shape, int size, double centreRow, double centreCol)
    {
        var model = SersicRenderer.Render(shape, size, size, centreRow, centreCol, Options.Oversample);
        if (_psf is not null) model = _psf.Convolve(model, size, size);
        NormalisePeak(model);
        return model;
    }

    /// <summary>Divides by the maximum so the peak is exactly 1 (an all-zero image stays zero).</summary>
    internal static void NormalisePeak(double[] image)
    {
        double max = 0;
        foreach (var v in image) max = Math.Max(max, v);
        if (max <= 0) return;
        for (int k = 0; k < image.Length; k++) image[k] /= max;
    }

    /// <summary>
    /// Shifts the image by whole pixels (zero fill) so that its brightest pixel is the centre pixel, as the real
    /// cutouts are centred on their peak. Returns the applied (rows, cols) shift.
    /// </summary>
    internal static (int Rows, int Cols) Recentre(double[] image, int size)
    {
        int argmax = 0;
        for (int k = 1; k < image.Length; k++)
            if (image[k] > image[argmax]) argmax = k;
        int c = SyntheticGalaxy.CentrePixel(size);
        int dr = c - argmax / size, dc = c - argmax % size;
        if (dr == 0 && dc == 0) return (0, 0);
        var copy = (double[])image.Clone();
        Array.Clear(image);
        for (int i = 0; i < size; i++)
        {
            int si = i - dr;
            if (si < 0 || si >= size) continue;
            for (int j = 0; j < size; j++)
            {
                int sj = j - dc;
                if (sj >= 0 && sj < size) image[i * size + j] = copy[si * size + sj];
            }
        }
        return (dr, dc);
    }

    internal static float[] ToFloat(double[] image)
    {
        var f = new float[image.Length];
        for (int k = 0; k < f.Length; k++) f[k] = (float)image[k];
        return f;
    }
}
