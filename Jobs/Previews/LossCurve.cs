using System.Globalization;

namespace ScoreBatch.Jobs.Previews;

/// <summary>
/// The training loss picture from loss.csv ("step,loss" rows): parsed, reduced to at most
/// <see cref="MaxPoints"/> points (means over equal runs of steps, so a 2,000,000-step run still draws in
/// milliseconds) and drawn by <see cref="PreviewRenderer.RenderLossCurve"/>.
/// </summary>
public static class LossCurve
{
    /// <summary>Most points drawn (default 2000: more than the pixels across the plot).</summary>
    public const int MaxPoints = 2000;

    /// <summary>Parses loss.csv text; rows that are not "integer,number" (the header) are skipped, non-finite losses kept for the renderer to drop.</summary>
    public static (long[] Steps, double[] Losses) Parse(string csv)
    {
        var steps = new List<long>();
        var losses = new List<double>();
        foreach (var line in csv.Split('\n'))
        {
            var span = line.AsSpan().Trim();
            int comma = span.IndexOf(',');
            if (comma <= 0) continue;
            if (long.TryParse(span[..comma], NumberStyles.Integer, CultureInfo.InvariantCulture, out var step)
                && double.TryParse(span[(comma + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var loss))
            {
                steps.Add(step);
                losses.Add(loss);
            }
        }
        return (steps.ToArray(), losses.ToArray());
    }

    /// <summary>Means over consecutive runs so that at most <paramref name="maxPoints"/> points remain (finite losses only).</summary>
    public static (long[] Steps, double[] Losses) Reduce(IReadOnlyList<long> steps, IReadOnlyList<double> losses, int maxPoints = MaxPoints)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPoints, 1);
        var finite = Enumerable.Range(0, Math.Min(steps.Count, losses.Count)).Where(i => double.IsFinite(losses[i])).ToArray();
        int bins = Math.Min(maxPoints, finite.Length);
        var outSteps = new long[bins];
        var outLosses = new double[bins];
        for (int b = 0; b < bins; b++)
        {
            int from = (int)((long)b * finite.Length / bins), to = (int)((long)(b + 1) * finite.Length / bins);
            double stepSum = 0, lossSum = 0;
            for (int k = from; k < to; k++)
            {
                stepSum += steps[finite[k]];
                lossSum += losses[finite[k]];
            }
            outSteps[b] = (long)Math.Round(stepSum / (to - from));
            outLosses[b] = lossSum / (to - from);
        }
        return (outSteps, outLosses);
    }

    /// <summary>loss.png bytes from loss.csv text; throws <see cref="ArgumentException"/> when it holds no positive loss.</summary>
    public static byte[] RenderCsv(string csv, string title, PreviewOptions? options = null)
    {
        var (steps, losses) = Parse(csv);
        var (s, l) = Reduce(steps, losses);
        return PreviewRenderer.RenderLossCurve(s, l, title, options);
    }
}
