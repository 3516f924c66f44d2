using System.Text.Json;
using ScoreBatch.Jobs.Cleaning;
using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Jobs.Handlers;
using ScoreBatch.Jobs.Kinds.Score;

namespace ScoreBatch.Jobs.Kinds.Clean;

/// <summary>
/// The typed arguments of a "clean" job, parsed and checked from a <see cref="JobRequest"/>:
/// { "kind": "clean", "input": "container/prefix" (cutouts of the model's size), "output": "container/prefix",
///   "model": "container/path.ckpt", "params": { "weight": 1, "steps": 60, "t_high": 1.0, "t_low": 0.02,
///   "schedule": "geometric" | "linear", "step": 0.5, "noise": "estimate" | sigma, "min_noise": 0.01, "frames": 10,
///   "animations": 8, "batch": 16, "mask": "auto" | "none", "device": "auto" } }. Every problem throws <see cref="JobValidationException"/>
/// naming the field.
/// </summary>
public sealed record CleanJobArgs(string Input, string Output, string Model, CleanOptions Cleaning, string? Device)
{
    /// <summary>The stable kind string.</summary>
    public const string Kind = JobKinds.Clean;

    /// <summary>Every param a clean job reads; any other is refused (<see cref="JobParams.RefuseUnknown"/>).</summary>
    public static IReadOnlyList<string> ParamNames { get; } =
        ["weight", "steps", "t_high", "t_low", "schedule", "step", "noise", "min_noise", "frames", "animations", "batch", "mask", "device"];

    /// <summary>params.noise as a number: every cutout's pixel noise std in flux units; null (the default "estimate") measures each cutout's background.</summary>
    public double? Noise { get; init; }

    /// <summary>params.animations: how many cutouts (the first, in file order) get a GIF and a strip, 0 to 1000 (default 8).</summary>
    public int Animations { get; init; } = 8;

    /// <summary>
    /// params.mask "auto" (the default): ignore in the data term the pixels where the prior finds significant light it
    /// does not expect (<see cref="ArtifactMask"/>), so that the prior fills them in; "none" keeps every pixel, and a
    /// significant artifact then stays (the data term holds it: 12-20 % removed at weight 1, docs/formats.md).
    /// </summary>
    public bool AutoMask { get; init; } = true;

    /// <summary>Values accepted by params.mask.</summary>
    public static IReadOnlyList<string> MaskNames { get; } = ["auto", "none"];

    /// <summary>params.batch: cutouts cleaned together, 1 to 1024 (default 16).</summary>
    public int Batch { get; init; } = 16;

    /// <summary>The args of <paramref name="request"/>; "steps", when given, is also held to <paramref name="limits"/>
    /// (the worker's; none when omitted).</summary>
    public static CleanJobArgs From(JobRequest request, JobParamLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        limits ??= JobParamLimits.None;
        var p = request.Params;
        p.RefuseUnknown(Kind, ParamNames);
        var d = new CleanOptions();
        var steps = p.GetInt32("steps", d.Steps, 1, 100_000);
        if (p.Has("steps")) limits.CheckSteps("params.steps", steps);
        var options = new CleanOptions
        {
            Weight = p.GetDouble("weight", d.Weight, 0, 1e6),
            Steps = steps,
            THigh = p.GetDouble("t_high", d.THigh, 1e-6, 1e6), // the prior's own T bounds it (checked with the model)
            TLow = p.GetDouble("t_low", d.TLow, 1e-6, 1e6),
            Schedule = p.GetString("schedule", "geometric", CleanOptions.ScheduleNames) == "linear" ? CleanSchedule.Linear : CleanSchedule.Geometric,
            StepScale = p.GetDouble("step", d.StepScale, 1e-6, 1),
            MinNoise = p.GetDouble("min_noise", d.MinNoise, 1e-9, 1e6),
            Frames = p.GetInt32("frames", d.Frames, 2, 200),
        };
        if (options.THigh < options.TLow)
            throw new JobValidationException("params.t_high", $"must be >= t_low ({options.TLow}), got {options.THigh}");
        double? noise = null;
        if (p.Has("noise"))
        {
            var node = p.Node["noise"]!;
            if (node.GetValueKind() == JsonValueKind.Number) noise = p.GetDouble("noise", 0, 0, 1e6);
            else if (node.GetValueKind() != JsonValueKind.String || node.GetValue<string>() != "estimate")
                throw new JobValidationException("params.noise", $"must be \"estimate\" or a number >= 0, got {node.ToJsonString()}");
        }
        return new CleanJobArgs(
            JobNames.Check("input", request.Input, requireBlobName: false),
            JobNames.Check("output", request.Output, requireBlobName: false),
            JobNames.Check("model", request.Model, requireBlobName: true),
            options,
            p.Has("device") ? p.GetString("device", "auto", ScoreJobArgs.DeviceNames) : null)
        {
            Noise = noise,
            Animations = p.GetInt32("animations", 8, 0, 1000),
            Batch = p.GetInt32("batch", 16, 1, 1024),
            AutoMask = p.GetString("mask", "auto", MaskNames) == "auto",
        };
    }
}
