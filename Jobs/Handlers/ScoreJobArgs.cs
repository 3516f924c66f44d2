using System.Text.RegularExpressions;
using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Jobs.Scoring;

namespace ScoreBatch.Jobs.Handlers;

/// <summary>
/// The typed arguments of a "score" job, parsed and checked from a <see cref="JobRequest"/>:
/// { "kind": "score", "input": "container/prefix" (cutout files, or one file), "output": "container/prefix",
///   "model": "container/path.ckpt" (or a galaxygrad "path.eqx"), "params": { "t": 0.02, "batch": 64, "threshold": 100,
///   "log_jacobian": false, "device": "auto", "previews": 8, "format": "npy" | "fits" } }. Every problem throws <see cref="JobValidationException"/>
/// naming the field.
/// </summary>
public sealed partial record ScoreJobArgs(string Input, string Output, string Model, ScoringOptions Scoring, string? Device)
{
    /// <summary>The stable kind string.</summary>
    public const string Kind = "score";

    /// <summary>How many of the most anomalous cutouts (by max_abs_score) get a PNG preview (params.previews, 0 to 100, default 8).</summary>
    public int Previews { get; init; } = 8;

    /// <summary>File format of the score maps (params.format: "npy", the default, or "fits" with a provenance header).</summary>
    public ScoreMapFormat ScoreFormat { get; init; } = ScoreMapFormat.Npy;

    /// <summary>Values accepted by params.format.</summary>
    public static IReadOnlyList<string> FormatNames { get; } = ["npy", "fits"];

    /// <summary>Values accepted by params.device.</summary>
    public static IReadOnlyList<string> DeviceNames { get; } = ["auto", "cpu", "cuda"];

    public static ScoreJobArgs From(JobRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var p = request.Params;
        var scoring = new ScoringOptions
        {
            T = p.GetDouble("t", 0.02, ScoringOptions.MinT, ScoringOptions.MaxT),
            BatchSize = p.GetInt32("batch", 64, 1, 4096),
            Threshold = p.GetDouble("threshold", new ScoringOptions().Threshold, 0, 1e12),
            IncludeLogJacobian = p.GetBool("log_jacobian", false),
        };
        string? device = p.Has("device") ? p.GetString("device", "auto", DeviceNames) : null;
        return new ScoreJobArgs(
            CheckName("input", request.Input, requireBlobName: false),
            CheckName("output", request.Output, requireBlobName: false),
            CheckName("model", request.Model, requireBlobName: true),
            scoring,
            device)
        {
            Previews = p.GetInt32("previews", 8, 0, 100),
            ScoreFormat = p.GetString("format", "npy", FormatNames) == "fits" ? ScoreMapFormat.Fits : ScoreMapFormat.Npy,
        };
    }

    /// <summary>
    /// Checks a "container/path" name the way the storage adapters will (Azure container rules; no empty, "." or
    /// ".." segment; no backslash or control character) so a bad name fails validation, not half-way through a run.
    /// </summary>
    internal static string CheckName(string field, string? name, bool requireBlobName)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new JobValidationException(field, "is required");
        if (name.StartsWith('/') || name.Contains('\\') || name.Any(char.IsControl))
            throw new JobValidationException(field, $"must be a relative 'container/path' name with '/' separators and no control characters, got '{name}'");
        int slash = name.IndexOf('/', StringComparison.Ordinal);
        string container = slash < 0 ? name : name[..slash];
        if (!ContainerPattern().IsMatch(container))
            throw new JobValidationException(field, $"container '{container}' must be 3-63 characters of a-z, 0-9 and single hyphens");
        string rest = slash < 0 ? "" : name[(slash + 1)..];
        if (requireBlobName && rest.Length == 0)
            throw new JobValidationException(field, $"must name a file inside container '{container}', got '{name}'");
        var segments = rest.TrimEnd('/').Split('/');
        if (rest.Length > 0 && segments.Any(s => s.Length == 0 || s is "." or ".."))
            throw new JobValidationException(field, $"must not contain empty, '.' or '..' segments, got '{name}'");
        return name;
    }

    [GeneratedRegex("^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex ContainerPattern();
}
