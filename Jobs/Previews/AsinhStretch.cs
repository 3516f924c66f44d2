using System.Globalization;

namespace ScoreBatch.Jobs.Previews;

/// <summary>
/// The asinh display stretch astronomers use for galaxy images (Lupton et al. 1999): s(x) = asinh(x / beta). Linear
/// for |x| &lt;&lt; beta (the noise stays visible and symmetric about 0), logarithmic above (faint wings, rings and
/// companions show next to a bright core). The softening beta is the image's robust noise sigma (1.4826 · MAD),
/// floored at 1 % of the largest |pixel| so that noise-free images still compress their core.
/// </summary>
public sealed class AsinhStretch
{
    /// <summary>Floor of the softening as a fraction of the largest |pixel|.</summary>
    public const double MinSofteningFraction = 0.01;

    public AsinhStretch(double softening)
    {
        if (!(softening > 0 && double.IsFinite(softening)))
            throw new ArgumentOutOfRangeException(nameof(softening), softening, $"asinh softening must be positive and finite, got {softening}");
        Softening = softening;
    }

    /// <summary>beta, in the image's flux units.</summary>
    public double Softening { get; }

    /// <summary>The stretch for <paramref name="pixels"/> (finite values only are looked at; 1 when all are 0).</summary>
    public static AsinhStretch For(ReadOnlySpan<float> pixels)
    {
        var finite = new List<float>(pixels.Length);
        foreach (var v in pixels)
            if (float.IsFinite(v)) finite.Add(v);
        if (finite.Count == 0) return new AsinhStretch(1);
        var (_, sigma) = Scoring.InputBaselines.RobustBackground(finite.ToArray());
        double peak = finite.Max(v => Math.Abs((double)v));
        double beta = Math.Max(sigma, MinSofteningFraction * peak);
        return new AsinhStretch(beta > 0 ? beta : 1);
    }

    public double Forward(double x) => Math.Asinh(x / Softening);

    public double Inverse(double s) => Softening * Math.Sinh(s);

    /// <summary>
    /// Colour-bar ticks between flux <paramref name="min"/> and <paramref name="max"/>: 0 and the round values
    /// ±{1, 2, 5}·10^k in range, at their stretched positions, kept when at least 1/12 of the bar apart (the
    /// ends of the range are always labelled). Labels are flux values, not stretched ones.
    /// </summary>
    public IReadOnlyList<(double Position, string Label)> Ticks(double min, double max)
    {
        if (!(max > min)) return [(Forward(min), Label(min))];
        var candidates = new List<double> { min, max };
        if (min < 0 && max > 0) candidates.Add(0);
        double largest = Math.Max(Math.Abs(min), Math.Abs(max));
        for (int k = (int)Math.Floor(Math.Log10(largest)) - 6; k <= Math.Floor(Math.Log10(largest)); k++)
        {
            foreach (var m in new[] { 1.0, 2.0, 5.0 })
            {
                double v = m * Math.Pow(10, k);
                if (v > min && v < max) candidates.Add(v);
                if (-v > min && -v < max) candidates.Add(-v);
            }
        }
        double span = Forward(max) - Forward(min), gap = span / 12;
        var kept = new List<(double, string)>();
        // Ends first, then 0, then the round values from the largest magnitude down: the widest-spread labels win.
        foreach (var v in candidates.Take(2).Concat(candidates.Skip(2).OrderByDescending(Math.Abs)))
        {
            double p = Forward(v);
            if (kept.TrueForAll(t => Math.Abs(t.Item1 - p) >= gap)) kept.Add((p, Label(v)));
        }
        kept.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        return kept;
    }

    private static string Label(double v) =>
        v == 0 || (Math.Abs(v) >= 1e-3 && Math.Abs(v) < 1e4)
            ? v.ToString("0.###", CultureInfo.InvariantCulture)
            : v.ToString("0.#e0", CultureInfo.InvariantCulture);
}
