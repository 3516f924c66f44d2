namespace ScoreBatch.Jobs.Evaluation;

/// <summary>
/// Receiver operating characteristic of a detector score (higher = more anomalous) on labelled cutouts: positives
/// (artifacts) against negatives (clean). Exact and threshold-free: no binning, no interpolation.
/// </summary>
public static class RocCurve
{
    /// <summary>
    /// Area under the ROC curve: the probability that a random positive scores above a random negative, a tie
    /// counting 1/2 (the Mann-Whitney U statistic over n_pos·n_neg, computed with mid-ranks in O(n log n)).
    /// NaN when either set is empty. Scores must be finite.
    /// </summary>
    public static double Auc(IReadOnlyList<double> positives, IReadOnlyList<double> negatives)
    {
        CheckFinite(positives, nameof(positives));
        CheckFinite(negatives, nameof(negatives));
        int np = positives.Count, nn = negatives.Count;
        if (np == 0 || nn == 0) return double.NaN;
        var all = new (double Score, bool Positive)[np + nn];
        for (int i = 0; i < np; i++) all[i] = (positives[i], true);
        for (int i = 0; i < nn; i++) all[np + i] = (negatives[i], false);
        Array.Sort(all, (a, b) => a.Score.CompareTo(b.Score));
        double rankSum = 0; // sum of the positives' mid-ranks (1-based, ascending)
        for (int start = 0; start < all.Length;)
        {
            int end = start;
            while (end < all.Length && all[end].Score == all[start].Score) end++;
            double midRank = (start + 1 + end) / 2.0; // ranks start+1 .. end share their mean
            for (int k = start; k < end; k++)
                if (all[k].Positive) rankSum += midRank;
            start = end;
        }
        return (rankSum - np * (np + 1) / 2.0) / ((double)np * nn);
    }

    /// <summary>
    /// The ROC curve as (false-positive rate, true-positive rate) points from (0, 0) to (1, 1): one point per distinct
    /// score, flagging every cutout scoring at or above it (tied scores move both rates in one step, a diagonal).
    /// </summary>
    public static IReadOnlyList<(double Fpr, double Tpr)> Points(IReadOnlyList<double> positives, IReadOnlyList<double> negatives)
    {
        CheckFinite(positives, nameof(positives));
        CheckFinite(negatives, nameof(negatives));
        int np = positives.Count, nn = negatives.Count;
        if (np == 0 || nn == 0) return [];
        var all = positives.Select(s => (Score: s, Positive: true)).Concat(negatives.Select(s => (Score: s, Positive: false)))
            .OrderByDescending(p => p.Score).ToArray();
        var points = new List<(double, double)>(all.Length + 1) { (0, 0) };
        int tp = 0, fp = 0;
        for (int start = 0; start < all.Length;)
        {
            int end = start;
            while (end < all.Length && all[end].Score == all[start].Score)
            {
                if (all[end].Positive) tp++;
                else fp++;
                end++;
            }
            points.Add(((double)fp / nn, (double)tp / np));
            start = end;
        }
        return points;
    }

    /// <summary>
    /// The largest true-positive rate of any threshold whose false-positive rate is at most <paramref name="fpr"/>
    /// (flag "score &gt;= threshold", thresholds at the observed scores; no interpolation between ROC points, so the
    /// figure is achievable). With fewer than 1/fpr negatives only thresholds above every negative qualify.
    /// NaN when either set is empty.
    /// </summary>
    public static double TprAtFpr(IReadOnlyList<double> positives, IReadOnlyList<double> negatives, double fpr)
    {
        if (!(fpr >= 0 && fpr <= 1)) throw new ArgumentOutOfRangeException(nameof(fpr), fpr, $"false-positive rate must be in [0, 1], got {fpr}");
        var points = Points(positives, negatives);
        if (points.Count == 0) return double.NaN;
        // 1e-12 absorbs the rounding of fp / n (0.05 * 100 negatives must admit 5 false positives).
        return points.Where(p => p.Fpr <= fpr + 1e-12).Max(p => p.Tpr);
    }

    private static void CheckFinite(IReadOnlyList<double> scores, string name)
    {
        ArgumentNullException.ThrowIfNull(scores, name);
        for (int i = 0; i < scores.Count; i++)
        {
            if (!double.IsFinite(scores[i]))
                throw new ArgumentException($"{name}[{i}] is {scores[i]}; ROC needs finite scores", name);
        }
    }
}
