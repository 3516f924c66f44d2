namespace ScoreBatch.Jobs.Anomaly;

/// <summary>
/// Fits an <see cref="AnomalyCalibration"/> from the features of clean reference cutouts. Each reference's own
/// anomaly comes from a density fitted on the other folds (5 folds, all copies of one source in one fold), so the
/// p-values and the threshold describe new clean cutouts, not the references the density has already seen.
/// </summary>
public static class Calibrator
{
    public const int Folds = 5;

    /// <param name="features">Feature vectors of the references (augmented copies included).</param>
    /// <param name="sources">For each vector, the index of the reference cutout it came from (folds group by it).</param>
    /// <param name="falsePositiveRate">Fraction of clean cutouts the threshold may flag (0 &lt; rate &lt; 1).</param>
    /// <param name="template">Model, feature and scoring settings to record; density, references and threshold are filled in.</param>
    /// <param name="statistic">The anomaly statistic (<see cref="AnomalyCalibration.StatisticNames"/>; default excess).</param>
    public static AnomalyCalibration Fit(IReadOnlyList<double[]> features, IReadOnlyList<int> sources, double falsePositiveRate, AnomalyCalibration template,
        string statistic = AnomalyCalibration.Excess)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(template);
        if (features.Count != sources.Count) throw new ArgumentException("one source index per feature vector");
        if (!(falsePositiveRate > 0 && falsePositiveRate < 1))
            throw new ArgumentOutOfRangeException(nameof(falsePositiveRate), falsePositiveRate, "false-positive rate must be in (0, 1)");
        if (features.Any(f => f.Length != template.Features.Count))
            throw new ArgumentException($"every feature vector needs the template's {template.Features.Count} features ({string.Join(", ", template.Features.Names())})");
        var distinct = sources.Distinct().Count();
        if (distinct < 2 * Folds)
            throw new ArgumentException($"calibration needs at least {2 * Folds} clean reference cutouts, got {distinct}");
        if (!AnomalyCalibration.StatisticNames.Contains(statistic))
            throw new ArgumentException($"statistic: one of {string.Join(", ", AnomalyCalibration.StatisticNames)}, got '{statistic}'");
        var excess = template.Features.ExcessIndices();
        AnomalyCalibration FitOn(IReadOnlyList<double[]> samples)
        {
            if (statistic == AnomalyCalibration.Excess)
            {
                var fit = ExcessScore.Fit(samples, excess, template.Features.CovariateIndices());
                return template with { Statistic = statistic, Mean = fit.Mean, Scale = fit.Scale, Trend = fit.Trend, Precision = [] };
            }
            var density = GaussianDensity.Fit(samples);
            return template with { Statistic = statistic, Mean = density.Mean, Precision = density.Precision, Scale = [], Trend = null };
        }
        var all = FitOn(features);
        var references = new double[features.Count];
        for (int fold = 0; fold < Folds; fold++)
        {
            var train = new List<double[]>();
            for (int i = 0; i < features.Count; i++)
                if (sources[i] % Folds != fold) train.Add(features[i]);
            var distance = FitOn(train).Distance;
            for (int i = 0; i < features.Count; i++)
                if (sources[i] % Folds == fold) references[i] = distance(features[i]);
        }
        Array.Sort(references);
        return all with
        {
            References = references,
            ReferenceCutouts = distinct,
            FalsePositiveRate = falsePositiveRate,
            Threshold = Quantile(references, 1 - falsePositiveRate),
        };
    }

    /// <summary>The q-quantile of ascending <paramref name="sorted"/> (linear interpolation, numpy's default).</summary>
    public static double Quantile(double[] sorted, double q)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        double pos = q * (sorted.Length - 1);
        int lo = (int)Math.Floor(pos), hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + ((pos - lo) * (sorted[hi] - sorted[lo]));
    }
}
