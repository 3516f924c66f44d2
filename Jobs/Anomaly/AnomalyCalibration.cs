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

    public required double[] Mean { get; init; }
    public required double[][] Precision { get; init; }

    /// <summary>Reference anomalies, ascending; each computed by a density fitted without its own source (5-fold).</summary>
    public required double[] References { get; init; }

    /// <summary>Distinct reference cutouts before augmentation, and the dihedral copies each contributed (1 or 8).</summary>
    public required int ReferenceCutouts { get; init; }
    public required int Augmentation { get; init; }

    /// <summary>False-positive rate the <see cref="Threshold"/> is set at (default 0.01).</summary>
    public required double FalsePositiveRate { get; init; }
    public required double Threshold { get; init; }

    [JsonIgnore]
    public GaussianDensity Density => new(Mean, Precision);

    /// <summary>anomaly (squared Mahalanobis distance), p_value (fraction of references at least as anomalous), anomalous.</summary>
    public (double Anomaly, double PValue, bool Anomalous) Apply(IReadOnlyList<double> features)
    {
        var anomaly = Density.Distance(features);
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
        int d = c.Features.Count;
        if (c.Mean.Length != d || c.Precision.Length != d || c.Precision.Any(r => r.Length != d) || c.References.Length == 0)
            throw new InvalidDataException($"{source}: corrupt calibration: {d} features, mean of {c.Mean.Length}, {c.References.Length} references");
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
