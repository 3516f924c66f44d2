namespace ScoreBatch.Jobs.Synthetic;

/// <summary>
/// How a synthetic scene is observed: background Gaussian noise set by a peak signal-to-noise ratio, an optional
/// Poisson (source photon) term and an optional residual of imperfect sky subtraction. Units are those of the
/// noise-free scene, whose galaxy peak is 1, so the background sigma is 1 / S/N; the noisy image is not
/// renormalised and is not clipped (background-subtracted observations have negative pixels).
/// </summary>
/// <param name="MinSnr">Smallest peak S/N, galaxy peak over background sigma (default 10: a faint detection).</param>
/// <param name="MaxSnr">Largest peak S/N (default 1000: a bright galaxy). Each image draws its S/N log-uniformly in
/// [MinSnr, MaxSnr], so every decade is as common. The total-flux S/N of an aperture over the galaxy's N pixels is
/// roughly the peak S/N times sum(x) / sqrt(N), several times higher.</param>
/// <param name="PoissonGain">Source photon counts at the noise-free peak (default 0: no Poisson term). Pixel x gets
/// extra variance x / gain (the Gaussian limit of Poisson counts; none where x &lt;= 0).</param>
/// <param name="SkyResidual">Largest sky-subtraction residual in background sigmas (default 0: none). Each image
/// gets a constant offset and a linear gradient across the cutout, each drawn uniformly in ±SkyResidual·sigma.</param>
public sealed record ObservationNoise(double MinSnr = 10, double MaxSnr = 1000, double PoissonGain = 0, double SkyResidual = 0)
{
    /// <summary>Throws naming the bad value.</summary>
    public ObservationNoise Validate()
    {
        if (!(MinSnr > 0 && MinSnr <= MaxSnr && MaxSnr <= 1e9))
            throw new ArgumentOutOfRangeException(nameof(MinSnr), $"S/N range must satisfy 0 < min <= max <= 1e9, got [{MinSnr}, {MaxSnr}]");
        if (!(PoissonGain >= 0 && double.IsFinite(PoissonGain)))
            throw new ArgumentOutOfRangeException(nameof(PoissonGain), PoissonGain, $"Poisson gain must be >= 0 (0 = off), got {PoissonGain}");
        if (!(SkyResidual >= 0 && SkyResidual <= 100))
            throw new ArgumentOutOfRangeException(nameof(SkyResidual), SkyResidual, $"sky residual must be 0 to 100 background sigmas, got {SkyResidual}");
        return this;
    }

    /// <summary>The peak S/N drawn for <paramref name="seed"/> (the first draw of <see cref="Observe"/>).</summary>
    public double DrawSnr(int seed) => DrawSnr(new Random(seed));

    /// <summary>
    /// <paramref name="scene"/> [size x size] observed with noise drawn from <paramref name="seed"/>: the same seed
    /// gives the same noise, so a clean galaxy and its artifact twin can share one realisation.
    /// </summary>
    public float[] Observe(ReadOnlySpan<float> scene, int size, int seed)
    {
        if (scene.Length != size * size)
            throw new ArgumentException($"scene holds {scene.Length} values, expected {size}x{size} = {size * size}", nameof(scene));
        var rng = new Random(seed);
        double sigma = 1 / DrawSnr(rng);
        double offset = 0, slopeRow = 0, slopeCol = 0;
        if (SkyResidual > 0)
        {
            offset = SeedSequence.Uniform(rng, -SkyResidual, SkyResidual) * sigma;
            slopeRow = SeedSequence.Uniform(rng, -SkyResidual, SkyResidual) * sigma / size;
            slopeCol = SeedSequence.Uniform(rng, -SkyResidual, SkyResidual) * sigma / size;
        }
        double c = (size - 1) / 2.0;
        var image = new float[scene.Length];
        for (int i = 0; i < size; i++)
        {
            for (int j = 0; j < size; j++)
            {
                int k = i * size + j;
                double x = scene[k];
                double variance = sigma * sigma + (PoissonGain > 0 && x > 0 ? x / PoissonGain : 0);
                double sky = offset + slopeRow * (i - c) + slopeCol * (j - c);
                image[k] = (float)(x + sky + Math.Sqrt(variance) * SeedSequence.NextGaussian(rng));
            }
        }
        return image;
    }

    private double DrawSnr(Random rng) => Math.Exp(SeedSequence.Uniform(rng, Math.Log(MinSnr), Math.Log(MaxSnr)));

    /// <summary>Parses "10:1000" (a range) or "100" (one value) as the S/N range; errors name the option.</summary>
    public static (double Min, double Max) ParseSnrRange(string text, string option = "--snr")
    {
        var parts = text.Split(':');
        if (parts.Length is 1 or 2
            && double.TryParse(parts[0], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double min)
            && double.TryParse(parts[^1], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double max)
            && min > 0 && min <= max)
            return (min, max);
        throw new ArgumentException($"{option} must be MIN:MAX or one value, with 0 < MIN <= MAX (e.g. 10:1000), got '{text}'");
    }
}
