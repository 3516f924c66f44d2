namespace ScoreBatch.Jobs.Previews;

/// <summary>
/// The training loss picture from a loss history (loss.csv is read and written by
/// <see cref="Training.LossHistory"/> only): reduced to at most
/// <see cref="MaxPoints"/> points (means over equal runs of steps, so a 2,000,000-step run still draws in
/// milliseconds) and drawn by <see cref="PreviewRenderer.RenderLossCurve"/>.
/// </summary>
public static class LossCurve
{
    /// <summary>Most points drawn (default 2000: more than the pixels across the plot).</summary>
    public const int MaxPoints = 2000;

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

    /// <summary>loss.png bytes of a loss history (reduced first); throws <see cref="ArgumentException"/> when it holds no positive loss.</summary>
    public static byte[] Render(IReadOnlyList<long> steps, IReadOnlyList<double> losses, string title, PreviewOptions? options = null)
    {
        var (s, l) = Reduce(steps, losses);
        return PreviewRenderer.RenderLossCurve(s, l, title, options);
    }
}
