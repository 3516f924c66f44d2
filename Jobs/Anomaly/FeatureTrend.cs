namespace ScoreBatch.Jobs.Anomaly;

/// <summary>
/// How the clean references' features follow what describes a cutout rather than an artifact in it
/// (<see cref="ScoreFeatureOptions.CovariateIndices"/>: its noise level "log_noise" and how poorly the prior explains
/// its own body at the coarsest level, that level's "_inner"): feature j's expected value at covariates u is
/// mean_j + sum_m Slopes[m][j]·(clamp(u_m) - Centre[m]), a least-squares plane through the references, with each u_m
/// clamped to the references' range [Min[m], Max[m]] so that a cutout unlike every reference is compared with the
/// nearest ones, never an extrapolation. Bright galaxies, and galaxies the prior fits poorly, show more structure
/// that a prior of smooth galaxies cannot explain everywhere, the annulus included; without the trend that spread
/// widens the references' scales and hides artifacts (docs/anomaly.md).
/// </summary>
/// <param name="Covariates">The covariates' indices in the feature vector.</param>
/// <param name="Slopes">Per covariate, one slope per feature.</param>
/// <param name="Centre">The references' mean of each covariate (where the means are).</param>
/// <param name="Min">Smallest value of each covariate among the references.</param>
/// <param name="Max">Largest value of each covariate among the references.</param>
public sealed record FeatureTrend(int[] Covariates, double[][] Slopes, double[] Centre, double[] Min, double[] Max)
{
    /// <summary>A covariate is used only when the references spread in it by more than this (features are logs).</summary>
    public const double MinSpread = 1e-3;

    /// <summary>
    /// The least-squares trend of <paramref name="samples"/> (n x d) in the <paramref name="covariates"/> that spread
    /// by more than <see cref="MinSpread"/>; null when none does or there are too few samples (n &lt;= covariates + 1).
    /// </summary>
    public static FeatureTrend? Fit(IReadOnlyList<double[]> samples, IReadOnlyList<int> covariates, double[] mean)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(covariates);
        ArgumentNullException.ThrowIfNull(mean);
        var ranges = covariates.Select(c => (Index: c, Min: samples.Min(s => s[c]), Max: samples.Max(s => s[c])))
            .Where(r => r.Max - r.Min > MinSpread).ToArray();
        var used = ranges.Select(r => r.Index).ToArray();
        int m = used.Length, n = samples.Count, d = mean.Length;
        if (m == 0 || n <= m + 1) return null;
        var gram = new double[m, m];
        var cross = new double[m, d];
        foreach (var s in samples)
            for (int a = 0; a < m; a++)
            {
                double ua = s[used[a]] - mean[used[a]];
                for (int b = 0; b < m; b++) gram[a, b] += ua * (s[used[b]] - mean[used[b]]);
                for (int k = 0; k < d; k++) cross[a, k] += ua * (s[k] - mean[k]);
            }
        var inverse = GaussianDensity.Invert(gram);
        var slopes = new double[m][];
        for (int a = 0; a < m; a++)
        {
            slopes[a] = new double[d];
            for (int k = 0; k < d; k++)
                for (int b = 0; b < m; b++) slopes[a][k] += inverse[a][b] * cross[b, k];
        }
        return new FeatureTrend(used, slopes, [.. used.Select(c => mean[c])], [.. ranges.Select(r => r.Min)], [.. ranges.Select(r => r.Max)]);
    }

    /// <summary>Feature j's expected value minus its mean at the covariates of <paramref name="x"/> (clamped).</summary>
    public double Shift(IReadOnlyList<double> x, int j)
    {
        double shift = 0;
        for (int a = 0; a < Covariates.Length; a++) shift += Slopes[a][j] * (Math.Clamp(x[Covariates[a]], Min[a], Max[a]) - Centre[a]);
        return shift;
    }

    /// <summary>Null when the trend fits <paramref name="features"/> features with these allowed covariates, else what is wrong.</summary>
    public string? Problem(int features, IReadOnlyList<int> allowed)
    {
        int m = Covariates?.Length ?? 0;
        if (m == 0 || Covariates!.Any(c => !allowed.Contains(c)) || Covariates!.Distinct().Count() != m)
            return $"trend covariates [{string.Join(", ", Covariates ?? [])}] must be distinct ones of [{string.Join(", ", allowed)}]";
        if (Slopes is null || Slopes.Length != m || Slopes.Any(r => r is null || r.Length != features || !r.All(double.IsFinite)))
            return $"trend needs {m} rows of {features} finite slopes";
        if (Centre is null || Min is null || Max is null || Centre.Length != m || Min.Length != m || Max.Length != m)
            return $"trend needs {m} centres, minima and maxima";
        for (int a = 0; a < m; a++)
            if (!(double.IsFinite(Min[a]) && double.IsFinite(Max[a]) && Min[a] <= Centre[a] && Centre[a] <= Max[a]))
                return $"trend range needs min <= centre <= max, got {Min[a]}, {Centre[a]}, {Max[a]}";
        return null;
    }
}
