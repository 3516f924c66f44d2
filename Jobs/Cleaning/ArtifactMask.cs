using System.Globalization;
using ScoreBatch.Jobs.Scoring;
using ScoreBatch.Storage.Formats;

namespace ScoreBatch.Jobs.Cleaning;

/// <summary>
/// The automatic mask of a clean job (params.mask "auto"): the pixels the data term should ignore, so that the prior
/// fills them in. From the standardised residual e of the prior at a noise-matched temperature (the anomaly
/// features' first level, <see cref="Scoring.CutoutScore.Residual"/>), z = 3 x the 3x3 mean of -e is about N(0, 1)
/// for pure noise and large where the cutout holds light the prior does not expect. Pixels with z above
/// <see cref="Threshold"/>, grown by <see cref="Grow"/> pixels (8-neighbours) to take in the artifact's faint edge,
/// are masked, except within <see cref="CoreRadius"/> of the centre pixel: the galaxy's core always stays tied to
/// the data, so a poorly fitted core is never replaced by the prior's guess.
/// </summary>
public static class ArtifactMask
{
    /// <summary>z above 3: 0.13 % of pure-noise pixels (about one per 32² cutout, removed again by nothing but harmless:
    /// the prior's fill-in of a noise pixel is the noise-free value).</summary>
    public const double Threshold = 3.0;

    /// <summary>Pixels added around the significant ones: 1 (the PSF's wing beyond the significant core).</summary>
    public const int Grow = 1;

    /// <summary>Never masked: r &lt; 0.1 of the side from the centre pixel (3.2 px at 32²; artifacts are injected from 0.2).</summary>
    public const double CoreRadius = 0.1;

    /// <summary>
    /// The masks of <paramref name="cutouts"/> (each of the model's size) as one array [n x size x size], 1 = data used:
    /// the prior's standardised residual at the anomaly features' first noise-matched level, each cutout's noise
    /// being <paramref name="noise"/> when given, else its background estimate, never below <paramref name="minNoise"/>
    /// (the data term's floor: a deep cutout is judged at the noise it is cleaned at).
    /// </summary>
    public static float[] Compute(ScoringModel model, IReadOnlyList<Cutout> cutouts, double? noise, double minNoise, int batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(cutouts);
        var scoring = new ScoringOptions
        {
            Features = new Anomaly.ScoreFeatureOptions { IncludePeaks = false, MinLevelNoise = 0 }, // the mask is judged at the cutout's own noise
            BatchSize = batch,
            NoiseFloor = minNoise,
        };
        if (noise is { } sigma) scoring = scoring.WithNoise(sigma.ToString("R", CultureInfo.InvariantCulture), "params.noise");
        var scores = model.CreateScorer(scoring).Score(cutouts, "mask", cancellationToken);
        var pixels = model.ImageSize * model.ImageSize;
        var masks = new float[cutouts.Count * pixels];
        for (var i = 0; i < cutouts.Count; i++)
            FromResidual(scores[i].Residual ?? throw new InvalidOperationException("the scorer returned no residual map"), model.ImageSize, model.ImageSize)
                .CopyTo(masks, i * pixels);
        return masks;
    }

    /// <summary>1 where the data term uses the pixel, 0 where the prior fills it in; [height x width] row-major.</summary>
    public static float[] FromResidual(ReadOnlySpan<float> e, int height, int width)
    {
        if (e.Length != height * width) throw new ArgumentException($"{e.Length} residuals for {height}x{width}");
        var significant = new bool[e.Length];
        for (int i = 0; i < height; i++)
            for (int j = 0; j < width; j++)
                significant[(i * width) + j] = -3 * Anomaly.ScoreFeatures.BoxMean(e, height, width, i, j, 3) > Threshold; // 3·mean of -e
        var mask = new float[e.Length];
        int cy = (height - 1) / 2, cx = (width - 1) / 2;
        double core = CoreRadius * Math.Min(height, width);
        for (int i = 0; i < height; i++)
            for (int j = 0; j < width; j++)
            {
                bool near = false;
                for (int di = -Grow; di <= Grow && !near; di++)
                    for (int dj = -Grow; dj <= Grow && !near; dj++)
                    {
                        int a = i + di, b = j + dj;
                        near = a >= 0 && a < height && b >= 0 && b < width && significant[(a * width) + b];
                    }
                bool inCore = Math.Sqrt(((i - cy) * (i - cy)) + ((j - cx) * (j - cx))) < core;
                mask[(i * width) + j] = near && !inCore ? 0f : 1f;
            }
        return mask;
    }
}
