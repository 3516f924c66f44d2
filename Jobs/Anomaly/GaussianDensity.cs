namespace ScoreBatch.Jobs.Anomaly;

/// <summary>
/// A multivariate Gaussian fitted to feature vectors: mean and precision (inverse of the sample covariance plus a
/// ridge on the diagonal, so a feature that barely varies in the references cannot make the density singular).
/// <see cref="Distance"/> is the squared Mahalanobis distance, -2 log density up to a constant: the anomaly score.
/// </summary>
public sealed record GaussianDensity(double[] Mean, double[][] Precision)
{
    /// <summary>Ridge added to the covariance's diagonal (default 1e-3: features are logs of order 1).</summary>
    public const double DefaultRidge = 1e-3;

    /// <summary>Fits mean and precision to <paramref name="samples"/> (at least two, all of one length).</summary>
    public static GaussianDensity Fit(IReadOnlyList<double[]> samples, double ridge = DefaultRidge)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Count < 2) throw new ArgumentException($"a density needs at least 2 reference cutouts, got {samples.Count}");
        int d = samples[0].Length;
        if (samples.Any(s => s.Length != d)) throw new ArgumentException("feature vectors differ in length");
        var mean = new double[d];
        foreach (var s in samples)
            for (int k = 0; k < d; k++) mean[k] += s[k] / samples.Count;
        var cov = new double[d, d];
        foreach (var s in samples)
            for (int a = 0; a < d; a++)
                for (int b = 0; b < d; b++) cov[a, b] += (s[a] - mean[a]) * (s[b] - mean[b]) / (samples.Count - 1);
        for (int k = 0; k < d; k++) cov[k, k] += ridge;
        return new GaussianDensity(mean, Invert(cov));
    }

    /// <summary>Squared Mahalanobis distance of <paramref name="x"/> from the mean.</summary>
    public double Distance(IReadOnlyList<double> x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Count != Mean.Length) throw new ArgumentException($"{x.Count} features, the density has {Mean.Length}");
        double total = 0;
        for (int a = 0; a < Mean.Length; a++)
        {
            double row = 0;
            for (int b = 0; b < Mean.Length; b++) row += Precision[a][b] * (x[b] - Mean[b]);
            total += (x[a] - Mean[a]) * row;
        }
        return total;
    }

    /// <summary>Gauss-Jordan inversion with partial pivoting of a symmetric positive definite matrix.</summary>
    internal static double[][] Invert(double[,] m)
    {
        int n = m.GetLength(0);
        var a = new double[n, 2 * n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++) a[i, j] = m[i, j];
            a[i, n + i] = 1;
        }
        for (int col = 0; col < n; col++)
        {
            int pivot = col;
            for (int r = col + 1; r < n; r++)
                if (Math.Abs(a[r, col]) > Math.Abs(a[pivot, col])) pivot = r;
            if (Math.Abs(a[pivot, col]) < 1e-300) throw new ArgumentException("the feature covariance is singular");
            for (int j = 0; j < 2 * n; j++) (a[col, j], a[pivot, j]) = (a[pivot, j], a[col, j]);
            double inv = 1 / a[col, col];
            for (int j = 0; j < 2 * n; j++) a[col, j] *= inv;
            for (int r = 0; r < n; r++)
            {
                if (r == col || a[r, col] == 0) continue;
                double f = a[r, col];
                for (int j = 0; j < 2 * n; j++) a[r, j] -= f * a[col, j];
            }
        }
        var result = new double[n][];
        for (int i = 0; i < n; i++)
        {
            result[i] = new double[n];
            for (int j = 0; j < n; j++) result[i][j] = a[i, n + j];
        }
        return result;
    }
}
