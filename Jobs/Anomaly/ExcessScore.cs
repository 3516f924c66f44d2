namespace ScoreBatch.Jobs.Anomaly;

/// <summary>
/// The default anomaly statistic: Fisher's combination of one-sided tail probabilities. Each feature j in
/// <see cref="Indices"/> (those where a larger value means more light the prior cannot explain:
/// <see cref="ScoreFeatureOptions.ExcessIndices"/>) is standardised by the clean references' mean and standard
/// deviation, z_j = (x_j - mean_j) / sd_j, and the anomaly is -sum_j ln Q(z_j), Q the standard normal's upper tail.
/// Only an excess counts: a cutout that is cleaner than the references in some feature is not anomalous for it,
/// which the two-sided Mahalanobis distance of <see cref="GaussianDensity"/> cannot say, and the per-feature fit has
/// 2 parameters per feature instead of a full covariance, which matters with the 50-100 references a survey team
/// has. With a <see cref="FeatureTrend"/> the means follow the cutout's covariates (its noise level and how well the prior
/// explains its body), and the scales are the references' spread about that trend. Measured on real and synthetic galaxies in docs/anomaly.md.
/// </summary>
public sealed record ExcessScore(double[] Mean, double[] Scale, int[] Indices, FeatureTrend? Trend = null)
{
    /// <summary>Smallest standard deviation a feature may have (features are logs of order 1).</summary>
    public const double MinScale = 1e-6;

    /// <summary>
    /// Fits mean and standard deviation of every feature to <paramref name="samples"/> (at least two); with
    /// <paramref name="covariates"/> (feature indices outside the excess features), a <see cref="FeatureTrend"/> in
    /// those that vary, and the scales about it (n - 1 - covariates degrees of freedom).
    /// </summary>
    public static ExcessScore Fit(IReadOnlyList<double[]> samples, IReadOnlyList<int> indices, IReadOnlyList<int>? covariates = null)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(indices);
        covariates ??= [];
        if (samples.Count < 2) throw new ArgumentException($"a fit needs at least 2 reference cutouts, got {samples.Count}");
        int d = samples[0].Length;
        if (samples.Any(s => s.Length != d)) throw new ArgumentException("feature vectors differ in length");
        if (indices.Count == 0 || indices.Any(j => j < 0 || j >= d)) throw new ArgumentException($"excess features [{string.Join(", ", indices)}] must index the {d} features");
        if (covariates.Any(c => c < 0 || c >= d || indices.Contains(c)))
            throw new ArgumentException($"covariates [{string.Join(", ", covariates)}] must index features outside the excess features");
        int n = samples.Count;
        var mean = new double[d];
        foreach (var s in samples)
            for (int k = 0; k < d; k++) mean[k] += s[k] / n;
        var trend = FeatureTrend.Fit(samples, covariates, mean);
        var scale = new double[d];
        int dof = n - 1 - (trend?.Covariates.Length ?? 0);
        foreach (var s in samples)
            for (int k = 0; k < d; k++)
            {
                double r = s[k] - mean[k] - (trend?.Shift(s, k) ?? 0);
                scale[k] += r * r / dof;
            }
        for (int k = 0; k < d; k++) scale[k] = Math.Max(Math.Sqrt(scale[k]), MinScale);
        return new ExcessScore(mean, scale, [.. indices], trend);
    }

    /// <summary>-sum over <see cref="Indices"/> of ln Q(z_j): 0.69 per feature at the references' mean, growing as z²/2 for an excess.</summary>
    public double Distance(IReadOnlyList<double> x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Count != Mean.Length) throw new ArgumentException($"{x.Count} features, the fit has {Mean.Length}");
        double total = 0;
        foreach (var j in Indices) total -= NormalTail.LogSurvival((x[j] - Mean[j] - (Trend?.Shift(x, j) ?? 0)) / Scale[j]);
        return total;
    }
}
