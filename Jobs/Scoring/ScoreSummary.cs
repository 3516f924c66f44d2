namespace ScoreBatch.Jobs.Scoring;

/// <summary>
/// Per-cutout summary of an x-space score map, one row of summary.csv. Users sort by these to find cutouts the
/// prior finds implausible.
/// </summary>
/// <param name="Id">Cutout id ("file.npy" or "file.npy#i").</param>
/// <param name="Source">The file the cutout came from.</param>
/// <param name="Height">Cutout height before padding.</param>
/// <param name="Width">Cutout width before padding.</param>
/// <param name="MeanAbsScore">Mean of |g_x| over the cutout's own pixels (padding excluded).</param>
/// <param name="MaxAbsScore">Largest |g_x|.</param>
/// <param name="MaxRow">Row of the largest |g_x| (first in row-major order on ties).</param>
/// <param name="MaxCol">Column of the largest |g_x|.</param>
/// <param name="FracAbove">Fraction of pixels with |g_x| &gt; <paramref name="Threshold"/>.</param>
/// <param name="Threshold">The threshold used for <paramref name="FracAbove"/>.</param>
/// <param name="T">Diffusion time the score was evaluated at (noise-matched when the job knows its noise).</param>
/// <param name="NoiseSigma">The cutout's x-space pixel noise std the temperature was matched to (0 for noise-free scoring).</param>
/// <param name="FluxOutside">No-model baseline from the input pixels: fraction of the positive flux outside r = S/5
/// (<see cref="InputBaselines.FluxOutside"/>).</param>
/// <param name="Peaks">No-model baseline: number of significant local maxima of the input (<see cref="InputBaselines.Peaks"/>).</param>
public sealed record ScoreSummary(string Id, string Source, int Height, int Width, double MeanAbsScore, double MaxAbsScore,
    int MaxRow, int MaxCol, double FracAbove, double Threshold, double T, double NoiseSigma = 0, double FluxOutside = 0, int Peaks = 0)
{
    /// <summary>Where the unexplained light is (multiscale features only; null otherwise).</summary>
    public Anomaly.ResidualRegion? Region { get; init; }

    /// <summary>Calibrated anomaly (squared Mahalanobis distance of the features from clean references; higher = more anomalous), or null.</summary>
    public double? Anomaly { get; init; }

    /// <summary>Fraction of the clean references whose anomaly is at least this one's, or null.</summary>
    public double? PValue { get; init; }

    /// <summary>Whether <see cref="Anomaly"/> exceeds the calibration's threshold at its false-positive rate, or null.</summary>
    public bool? Anomalous { get; init; }

    /// <summary>log p(x) in nats in data space when the score job asks for likelihoods (params.likelihood), else null.</summary>
    public double? LogLikelihood { get; init; }

    /// <summary>-log p(x) / (D ln 2) with <see cref="LogLikelihood"/>, else null.</summary>
    public double? BitsPerDim { get; init; }

    /// <summary>Summarises a score map [height x width] (row-major).</summary>
    public static ScoreSummary FromMap(string id, string source, int height, int width, ReadOnlySpan<float> score, double threshold, double t,
        double noiseSigma = 0)
    {
        if (score.Length != height * width || score.Length == 0)
            throw new ArgumentException($"{id}: score map holds {score.Length} values, expected {height}x{width} = {height * width} (> 0)");
        double sum = 0, max = -1;
        int argmax = 0, above = 0;
        for (int k = 0; k < score.Length; k++)
        {
            double a = Math.Abs((double)score[k]);
            sum += a;
            if (a > max)
            {
                max = a;
                argmax = k;
            }
            if (a > threshold) above++;
        }
        return new ScoreSummary(id, source, height, width, sum / score.Length, max, argmax / width, argmax % width,
            above / (double)score.Length, threshold, t, noiseSigma);
    }

    /// <summary>This summary with the no-model baselines of the cutout's input pixels [height x width].</summary>
    public ScoreSummary WithBaselines(ReadOnlySpan<float> input) =>
        this with { FluxOutside = InputBaselines.FluxOutside(input, Height, Width), Peaks = InputBaselines.Peaks(input, Height, Width) };
}
