using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Jobs.Handlers;
using ScoreBatch.Jobs.Kinds.Score;
using ScoreBatch.Jobs.Scoring;

namespace ScoreBatch.Jobs.Kinds.Calibrate;

/// <summary>
/// The typed arguments of a "calibrate" job, parsed and checked from a <see cref="JobRequest"/>:
/// { "kind": "calibrate", "input": "container/prefix" (clean reference cutouts), "output": "container/prefix",
///   "model": "container/path.ckpt" (or .eqx), "params": { "noise": "estimate", "t": 0.02, "fpr": 0.01,
///   "augment": true, "statistic": "excess" | "mahalanobis", "batch": 64, "device": "auto",
///   "runtime": "auto" | "torch" | "onnx" } }. Writes output/calibration.json. Every problem throws
/// <see cref="JobValidationException"/> naming the field.
/// </summary>
public sealed record CalibrateJobArgs(string Input, string Output, string Model, CalibrationSettings Settings, string? Device)
{
    /// <summary>The stable kind string.</summary>
    public const string Kind = JobKinds.Calibrate;

    /// <summary>Name of the calibration under the job's output.</summary>
    public const string FileName = "calibration.json";

    /// <summary>Every param a calibrate job reads; any other is refused (<see cref="JobParams.RefuseUnknown"/>).</summary>
    public static IReadOnlyList<string> ParamNames { get; } = ["noise", "t", "fpr", "augment", "statistic", "batch", "threshold", "log_jacobian", "device", "runtime"];

    /// <summary>params.runtime: the engine of the references' forward passes (<see cref="ScoringRuntime"/>; default auto).</summary>
    public string Runtime { get; init; } = ScoringRuntime.Auto;

    public static CalibrateJobArgs From(JobRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var p = request.Params;
        p.RefuseUnknown(Kind, ParamNames);
        var scoring = ScoreJobArgs.ScoringFrom(p);
        var settings = new CalibrationSettings
        {
            Scoring = scoring,
            FalsePositiveRate = p.GetDouble("fpr", 0.01, 1e-4, 0.5),
            Augment = p.GetBool("augment", true),
            Statistic = p.GetString("statistic", Anomaly.AnomalyCalibration.Excess, Anomaly.AnomalyCalibration.StatisticNames),
        };
        return new CalibrateJobArgs(
            JobNames.Check("input", request.Input, requireBlobName: false),
            JobNames.Check("output", request.Output, requireBlobName: false),
            JobNames.Check("model", request.Model, requireBlobName: true),
            settings,
            p.Has("device") ? p.GetString("device", "auto", ScoreJobArgs.DeviceNames) : null)
        {
            Runtime = p.GetString("runtime", ScoringRuntime.Auto, ScoringRuntime.Names),
        };
    }
}
