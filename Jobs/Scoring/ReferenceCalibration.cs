using ScoreBatch.Jobs.Anomaly;
using ScoreBatch.Storage.Formats;

namespace ScoreBatch.Jobs.Scoring;

/// <summary>How clean references are turned into a calibration (the calibrate job's and `scorebatch calibrate`'s settings).</summary>
public sealed record CalibrationSettings
{
    /// <summary>Scoring settings of the references (noise, floor t, batch); their features are added here.</summary>
    public ScoringOptions Scoring { get; init; } = new();

    /// <summary>The multiscale features (defaults of <see cref="ScoreFeatureOptions"/>).</summary>
    public ScoreFeatureOptions Features { get; init; } = new();

    /// <summary>Fraction of clean cutouts the anomalous flag may raise (default 0.01).</summary>
    public double FalsePositiveRate { get; init; } = 0.01;

    /// <summary>The anomaly statistic (default excess: <see cref="ExcessScore"/>; or mahalanobis).</summary>
    public string Statistic { get; init; } = AnomalyCalibration.Excess;

    /// <summary>Add the 8 rotations and reflections of each reference (default true: galaxies have no preferred orientation).</summary>
    public bool Augment { get; init; } = true;
}

/// <summary>The one implementation of calibration, run by the calibrate job and by `scorebatch calibrate`.</summary>
public static class ReferenceCalibration
{
    /// <summary>
    /// Scores <paramref name="references"/> (clean cutouts, and their dihedral copies when asked) with their
    /// multiscale features and fits the calibration. <paramref name="progress"/> receives cutouts done of total.
    /// </summary>
    public static AnomalyCalibration Run(ScoringModel model, IReadOnlyList<Cutout> references, CalibrationSettings settings,
        string modelName, IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(references);
        ArgumentNullException.ThrowIfNull(settings);
        var copies = new List<Cutout>();
        var sources = new List<int>();
        for (int i = 0; i < references.Count; i++)
            foreach (var c in settings.Augment ? Dihedral.Copies(references[i]) : [references[i]])
            {
                copies.Add(c);
                sources.Add(i);
            }
        var scoring = settings.Scoring with { Features = settings.Features.Validate(), Calibration = null };
        var scorer = model.CreateScorer(scoring);
        var features = new List<double[]>(copies.Count);
        var chunk = scorer.CutoutsPerPass;
        for (int start = 0; start < copies.Count; start += chunk)
        {
            var part = copies.Skip(start).Take(chunk).ToArray();
            foreach (var s in scorer.Score(part, "references", cancellationToken)) features.Add(s.Features!);
            progress?.Report((Math.Min(start + chunk, copies.Count), copies.Count));
        }
        var template = new AnomalyCalibration
        {
            Model = modelName,
            ModelSha256 = model.ModelSha256,
            Features = settings.Features,
            Noise = scoring.NoiseText,
            T = scoring.T,
            Mean = [],
            Precision = [],
            References = [],
            ReferenceCutouts = references.Count,
            Augmentation = settings.Augment ? 8 : 1,
            FalsePositiveRate = settings.FalsePositiveRate,
            Threshold = 0,
        };
        return Calibrator.Fit(features, sources, settings.FalsePositiveRate, template, settings.Statistic);
    }
}
