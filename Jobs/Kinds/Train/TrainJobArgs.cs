using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Jobs.Diffusion;
using ScoreBatch.Jobs.Handlers;
using ScoreBatch.Jobs.Model;
using ScoreBatch.Jobs.Runtime;
using ScoreBatch.Jobs.Training;
using ScoreBatch.Jobs.Transforms;

namespace ScoreBatch.Jobs.Kinds.Train;

/// <summary>
/// The typed arguments of a "train" job, parsed and checked from a <see cref="JobRequest"/>:
/// { "kind": "train", "input": "container/prefix" (cutout files), "output": "container/prefix",
///   "model": "container/path.ckpt" (optional: continue from this checkpoint),
///   "params": { "size": 64, "steps": 10000, "batch": 256, "lr": 3e-4, "optimizer": "adabelief", "seed": 0,
///               "checkpoint_every": 1000, "log_every": 50, "transform": "log1p", "width": 64, "blocks": 4,
///               "mlp_width": 512, "device": "auto", "export_eqx": false, "process": "vp(beta=1, T=10)",
///               "time_sampling": "uniform" } }.
/// Every problem throws <see cref="JobValidationException"/> naming the field.
/// </summary>
public sealed record TrainJobArgs(
    string Input, string Output, string? ResumeFrom, ScoreNetOptions Model, TrainerOptions Trainer, string Transform,
    string? Device, bool ExportEqx, bool StepsGiven, NoiseProcessSpec Process)
{
    /// <summary>The stable kind string.</summary>
    public const string Kind = JobKinds.Train;

    /// <summary>Largest step count a job may ask for (a 2M-step run, as the released priors had, fits).</summary>
    public const long MaxSteps = 10_000_000;

    /// <summary>Every param a train job reads; any other is refused (<see cref="JobParams.RefuseUnknown"/>).</summary>
    public static IReadOnlyList<string> ParamNames { get; } =
    [
        "size", "steps", "batch", "lr", "optimizer", "seed", "checkpoint_every", "log_every", "transform", "width", "blocks",
        "mlp_width", "device", "export_eqx", "process", "time_sampling",
    ];

    public static TrainJobArgs From(JobRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var p = request.Params;
        p.RefuseUnknown(Kind, ParamNames);
        var mlp = p.GetInt32("mlp_width", 512, 1, 8192);
        var model = new ScoreNetOptions
        {
            ImageSize = p.GetInt32("size", 64, 4, 512),
            Width = p.GetInt32("width", 64, 1, 4096),
            Blocks = p.GetInt32("blocks", 4, 1, 64),
            TokenMlpWidth = mlp,
            ChannelMlpWidth = mlp,
        };
        try
        {
            model.Validate();
        }
        catch (ArgumentException e)
        {
            throw new JobValidationException("params.size", e.Message);
        }
        var steps = p.GetInt64("steps", 10_000, 1, MaxSteps);
        var trainer = new TrainerOptions
        {
            Steps = steps,
            BatchSize = p.GetInt32("batch", 256, 1, 65_536),
            LearningRate = p.GetDouble("lr", 3e-4, 1e-12, 1),
            Optimizer = p.GetString("optimizer", OptimizerNames.AdaBelief, OptimizerNames.All),
            Seed = p.GetInt64("seed", 0, 0, long.MaxValue),
            CheckpointEvery = p.GetInt64("checkpoint_every", 1_000, 0, MaxSteps),
            LogEvery = p.GetInt32("log_every", 50, 1, 1_000_000),
            TimeSampling = p.GetString("time_sampling", TimeSampling.LogUniform, TimeSampling.Names), // new training: small t learnt (docs/anomaly.md)
        };
        NoiseProcessSpec process;
        try
        {
            process = p.Has("process") ? NoiseProcesses.Parse(p.GetString("process", NoiseProcesses.Vp), "params.process") : NoiseProcesses.Default;
        }
        catch (ArgumentException e)
        {
            throw new JobValidationException("params.process", e.Message);
        }
        return new TrainJobArgs(
            JobNames.Check("input", request.Input, requireBlobName: false),
            JobNames.Check("output", request.Output, requireBlobName: false),
            request.Model is null ? null : JobNames.Check("model", request.Model, requireBlobName: true),
            model,
            trainer,
            p.GetString("transform", DataTransforms.Log1p, [DataTransforms.Log1p, DataTransforms.Identity]),
            p.Has("device") ? p.GetString("device", "auto", TorchDevices.Names) : null,
            p.GetBool("export_eqx", false),
            p.Has("steps"),
            process);
    }
}
