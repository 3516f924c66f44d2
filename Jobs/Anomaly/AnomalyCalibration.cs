using System.Text.Json;
using System.Text.Json.Serialization;

namespace ScoreBatch.Jobs.Anomaly;

/// <summary>
/// calibration.json: what makes a score job's <c>anomaly</c>, <c>p_value</c> and <c>anomalous</c> columns mean
/// something. Written by the calibrate job from clean reference cutouts and stored next to the model: the feature
/// definition and the scoring settings they were computed with, the Gaussian density of the references' features,
/// the references' own (cross-fitted) anomaly scores, and the threshold at the chosen false-positive rate.
/// </summary>
public sealed record AnomalyCalibration
{
    public const string FormatName = "scorebatch-calibration";
    public const int CurrentVersion = 1;

    public string Format { get; init; } = FormatName;
    public int Version { get; init; } = CurrentVersion;

    /// <summary>The model the features came from (its name) and the SHA-256 of its weights, checked when scoring.</summary>
    public required string Model { get; init; }
    public required string ModelSha256 { get; init; }

    public required ScoreFeatureOptions Features { get; init; }

    /// <summary>Noise setting of the reference scoring ("estimate", "none" or a sigma): a score job must use the same.</summary>
    public required string Noise { get; init; }

    /// <summary>The scoring floor temperature t of the references.</summary>
    public required double T { get; init; }

    /// <summary>
    /// How <see cref="Apply"/> turns features into an anomaly: <see cref="Excess"/> (the default of new calibrations:
    /// <see cref="ExcessScore"/> over <see cref="ScoreFeatureOptions.ExcessIndices"/>, with <see cref="Mean"/> and
    /// <see cref="Scale"/>) or <see cref="Mahalanobis"/> (<see cref="GaussianDensity"/>, with <see cref="Mean"/> and
    /// <see cref="Precision"/>; what files written before the statistic was recorded hold).
    /// </summary>
    public string Statistic { get; init; } = Mahalanobis;

    /// <summary>The one-sided statistic's name.</summary>
    public const string Excess = "excess";

    /// <summary>The full-covariance Gaussian density's name.</summary>
    public const string Mahalanobis = "mahalanobis";

    /// <summary>Names accepted for <see cref="Statistic"/>.</summary>
    public static IReadOnlyList<string> StatisticNames { get; } = [Excess, Mahalanobis];

    public required double[] Mean { get; init; }

    /// <summary>Precision matrix of the Mahalanobis statistic (empty for excess).</summary>
    public required double[][] Precision { get; init; }

    /// <summary>Per-feature standard deviations of the references for the excess statistic (empty for Mahalanobis).</summary>
    public double[] Scale { get; init; } = [];

    /// <summary>
    /// The excess statistic's trend: how the references' means follow their covariates (noise level, the prior's fit of
    /// the galaxy's body); null without one (the Mahalanobis statistic, files written before it existed).
    /// </summary>
    public FeatureTrend? Trend { get; init; }

    /// <summary>Reference anomalies, ascending; each computed by a density fitted without its own source (5-fold).</summary>
    public required double[] References { get; init; }

    /// <summary>Distinct reference cutouts before augmentation, and the dihedral copies each contributed (1 or 8).</summary>
    public required int ReferenceCutouts { get; init; }
    public required int Augmentation { get; init; }

    /// <summary>False-positive rate the <see cref="Threshold"/> is set at (default 0.01).</summary>
    public required double FalsePositiveRate { get; init; }
    public required double Threshold { get; init; }

    /// <summary>The statistic as a function of a feature vector.</summary>
    [JsonIgnore]
    public Func<IReadOnlyList<double>, double> Distance => Statistic == Excess
        ? new ExcessScore(Mean, Scale, [.. Features.ExcessIndices()], Trend).Distance
        : new GaussianDensity(Mean, Precision).Distance;

    /// <summary>anomaly (the statistic), p_value (fraction of references at least as anomalous), anomalous.</summary>
    public (double Anomaly, double PValue, bool Anomalous) Apply(IReadOnlyList<double> features)
    {
        var anomaly = Distance(features);
        // References are sorted: count those >= anomaly by binary search.
        int lo = 0, hi = References.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) / 2;
            if (References[mid] >= anomaly) hi = mid;
            else lo = mid + 1;
        }
        return (anomaly, (References.Length - lo) / (double)References.Length, anomaly > Threshold);
    }

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, CalibrationJsonContext.Default.AnomalyCalibration);

    /// <summary>Parses and checks calibration.json; errors name <paramref name="source"/>.</summary>
    public static AnomalyCalibration Parse(ReadOnlySpan<byte> json, string source)
    {
        AnomalyCalibration? c;
        try
        {
            c = JsonSerializer.Deserialize(json, CalibrationJsonContext.Default.AnomalyCalibration);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: not a calibration file: {e.Message}", e);
        }
        if (c is null || c.Format != FormatName || c.Version != CurrentVersion)
            throw new InvalidDataException($"{source}: not a {FormatName} version {CurrentVersion} file");
        // Files written before the statistic was recorded hold a Gaussian density (the source-generated reader leaves
        // absent properties null, whatever their initialisers say).
        if (string.IsNullOrEmpty(c.Statistic)) c = c with { Statistic = Mahalanobis };
        c = c with { Scale = c.Scale ?? [] };
        int d = c.Features.Count;
        if (!StatisticNames.Contains(c.Statistic))
            throw new InvalidDataException($"{source}: statistic must be one of {string.Join(", ", StatisticNames)}, got '{c.Statistic}'");
        bool shaped = c.Statistic == Excess
            ? c.Scale.Length == d && c.Scale.All(v => v > 0 && double.IsFinite(v))
            : c.Precision.Length == d && c.Precision.All(r => r.Length == d);
        if (c.Mean.Length != d || !shaped || c.References.Length == 0)
            throw new InvalidDataException($"{source}: corrupt calibration: {d} features, mean of {c.Mean.Length}, {c.Scale.Length} scales, {c.Precision.Length} precision rows, {c.References.Length} references ({c.Statistic})");
        if (c.Trend is { } trend && (c.Statistic != Excess ? "a trend belongs to the excess statistic only" : trend.Problem(d, c.Features.CovariateIndices())) is { } problem)
            throw new InvalidDataException($"{source}: corrupt calibration: {problem}");
        try
        {
            c.Features.Validate();
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{source}: {e.Message}", e);
        }
        return c;
    }
}

[JsonSerializable(typeof(AnomalyCalibration))]
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, IgnoreReadOnlyProperties = true)]
internal sealed partial class CalibrationJsonContext : JsonSerializerContext;
