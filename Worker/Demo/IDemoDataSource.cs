using System.Text.Json.Nodes;
using ScoreBatch.Storage.Abstractions;

namespace ScoreBatch.Worker.Demo;

/// <summary>
/// The demo's seam to the science: makes synthetic galaxies, uploads them, and says how to train on them and
/// score with the result. Implemented with the synthetic-galaxy generator of ScoreBatch.Jobs and registered in
/// <see cref="DemoRegistrations"/>; without one the demo stops with a message instead of pretending.
/// </summary>
public interface IDemoDataSource
{
    /// <summary>Uploads the demo's cutouts under <paramref name="inputPrefix"/> ("container/prefix") and returns the plan.</summary>
    Task<DemoPlan> PrepareAsync(IArtifactStore store, string inputPrefix, CancellationToken cancellationToken);
}

/// <summary>
/// What the demo submits: the training input and params, the scoring input and params, the trained model's path
/// relative to the training job's output (e.g. "model.ckpt"), and optionally a file saying which scoring cutouts
/// carry an injected anomaly (copied next to the outputs so a person can compare it with the ranking). With
/// <see cref="CalibrationInput"/> (clean reference cutouts) the demo runs a calibrate job between the two and the
/// score job uses its calibration.
/// </summary>
public sealed record DemoPlan(string TrainInput, JsonObject TrainParams, string ScoreInput, JsonObject ScoreParams, string ModelFile,
    string? TruthFile = null)
{
    /// <summary>Clean reference cutouts for a calibrate job, or null to score without a calibration.</summary>
    public string? CalibrationInput { get; init; }

    /// <summary>Params of the calibrate job.</summary>
    public JsonObject CalibrationParams { get; init; } = [];

    /// <summary>Cutouts with artifacts for a clean job after scoring (its GIFs show them fading), or null for none.</summary>
    public string? CleanInput { get; init; }

    /// <summary>Params of the clean job.</summary>
    public JsonObject CleanParams { get; init; } = [];

    /// <summary>Params of a sample job from the trained model (compared with <see cref="TrainInput"/>), or null for none.</summary>
    public JsonObject? SampleParams { get; init; }
}
