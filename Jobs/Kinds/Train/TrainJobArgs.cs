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
///               "time_sampling": "uniform", "architecture": "mixer", "nf": 64, "ch_mult": "1,2,2", "res_blocks": 2,
///               "attn_resolution": 8, "ema": 0.999, "warmup": 5000, "grad_clip": 1.0, "precision": "fp32" } }.
/// "precision": "fp32" (the default) or "bf16" (mixed precision, the mixer only: its MLP products in bfloat16 from fp32
/// parameters; on this project's CPU 2.2x faster at 64², and the Gaussian closed-form test's loss matches fp32).
/// "architecture" picks the network (SCIENCE.md 1): "mixer" (the default; width, blocks, mlp_width) or "ncsnpp" (the
/// U-Net; nf, ch_mult, res_blocks, attn_resolution); a param of the other architecture is refused. Each architecture
/// brings its recipe as defaults: the mixer VP, AdaBelief, lr 3e-4, log-uniform times, no EMA, warm-up or clipping;
/// ncsnpp VE with sigma_max measured on the training set (<see cref="SigmaMaxFromData"/>) unless "process" gives it,
/// Adam, lr 2e-4, uniform times, EMA 0.999, warm-up 5,000 steps, gradient clipping 1.0. Every problem throws
/// <see cref="JobValidationException"/> naming the field.
/// </summary>
public sealed record TrainJobArgs(
    string Input, string Output, string? ResumeFrom, ScoreNetOptions Model, TrainerOptions Trainer, string Transform,
    string? Device, bool ExportEqx, bool StepsGiven, NoiseProcessSpec Process, bool SigmaMaxFromData = false)
{
    /// <summary>The stable kind string.</summary>
    public const string Kind = JobKinds.Train;

    /// <summary>Largest step count a job may ask for (a 2M-step run, as the released priors had, fits).</summary>
    public const long MaxSteps = 10_000_000;

    /// <summary>Params that only the mixer reads.</summary>
    public static IReadOnlyList<string> MixerParams { get; } = ["width", "blocks", "mlp_width"];

    /// <summary>Params that only ncsnpp reads.</summary>
    public static IReadOnlyList<string> NcsnppParams { get; } = ["nf", "ch_mult", "res_blocks", "attn_resolution"];

    /// <summary>Every param a train job reads; any other is refused (<see cref="JobParams.RefuseUnknown"/>).</summary>
    public static IReadOnlyList<string> ParamNames { get; } =
    [
        "size", "steps", "batch", "lr", "optimizer", "seed", "checkpoint_every", "log_every", "transform", "width", "blocks",
        "mlp_width", "device", "export_eqx", "process", "time_sampling", "architecture", "nf", "ch_mult", "res_blocks",
        "attn_resolution", "ema", "warmup", "grad_clip", "precision",
    ];

    /// <summary>The args of <paramref name="request"/>; "steps" and "size", when given, are also held to
    /// <paramref name="limits"/> (the worker's; none when omitted).</summary>
    public static TrainJobArgs From(JobRequest request, JobParamLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        limits ??= JobParamLimits.None;
        var p = request.Params;
        p.RefuseUnknown(Kind, ParamNames);
        var architecture = p.GetString("architecture", ScoreNetArchitectures.Mixer, ScoreNetArchitectures.Names);
        var ncsnpp = architecture == ScoreNetArchitectures.Ncsnpp;
        foreach (var other in ncsnpp ? MixerParams : NcsnppParams)
        {
            if (p.Has(other))
                throw new JobValidationException($"params.{other}", $"is a parameter of the {(ncsnpp ? ScoreNetArchitectures.Mixer : ScoreNetArchitectures.Ncsnpp)} architecture, this job trains '{architecture}' (params.architecture)");
        }
        var model = ncsnpp ? NcsnppOptions(p) : MixerOptions(p);
        if (p.Has("size")) limits.CheckSize("params.size", model.ImageSize);
        try
        {
            model.Validate();
        }
        catch (ArgumentException e)
        {
            throw new JobValidationException(ncsnpp ? NcsnppField(e.Message) : "params.size", e.Message);
        }
        NoiseProcessSpec process;
        try
        {
            process = p.Has("process")
                ? NoiseProcesses.Parse(p.GetString("process", NoiseProcesses.Vp), "params.process")
                : ncsnpp ? NoiseProcesses.Ve1() : NoiseProcesses.Default;
        }
        catch (ArgumentException e)
        {
            throw new JobValidationException("params.process", e.Message);
        }
        // Song and Ermon's rule: sigma_max from the training set unless the process param names it.
        var sigmaMaxFromData = process.Name == NoiseProcesses.Ve &&
            !(p.Has("process") && p.GetString("process", "").Contains("sigma_max", StringComparison.Ordinal));
        var steps = p.GetInt64("steps", 10_000, 1, MaxSteps);
        if (p.Has("steps")) limits.CheckSteps("params.steps", steps);
        var trainer = new TrainerOptions
        {
            Steps = steps,
            BatchSize = p.GetInt32("batch", 256, 1, 65_536),
            LearningRate = p.GetDouble("lr", ncsnpp ? 2e-4 : 3e-4, 1e-12, 1),
            Optimizer = p.GetString("optimizer", ncsnpp ? OptimizerNames.Adam : OptimizerNames.AdaBelief, OptimizerNames.All),
            Seed = p.GetInt64("seed", 0, 0, long.MaxValue),
            CheckpointEvery = p.GetInt64("checkpoint_every", 1_000, 0, MaxSteps),
            LogEvery = p.GetInt32("log_every", 50, 1, 1_000_000),
            // New VP training: log-uniform, so small t is learnt (docs/anomaly.md); VE's uniform t is already log-uniform in sigma.
            TimeSampling = p.GetString("time_sampling", process.Name == NoiseProcesses.Ve ? TimeSampling.Uniform : TimeSampling.LogUniform, TimeSampling.Names),
            EmaDecay = EmaDecay(p, ncsnpp ? 0.999 : 0),
            WarmupSteps = p.GetInt64("warmup", ncsnpp ? 5_000 : 0, 0, MaxSteps),
            GradientClipNorm = p.GetDouble("grad_clip", ncsnpp ? 1.0 : 0, 0, 1e6),
            Precision = p.GetString("precision", TrainerOptions.Fp32, TrainerOptions.PrecisionNames),
        };
        if (ncsnpp && trainer.Precision == TrainerOptions.Bf16)
            throw new JobValidationException("params.precision", "bf16 (mixed-precision) training is the mixer's; the ncsnpp network trains in fp32");
        var exportEqx = p.GetBool("export_eqx", false);
        if (exportEqx && ncsnpp)
            throw new JobValidationException("params.export_eqx", "galaxygrad's .eqx format holds only the mixer architecture; an ncsnpp model leaves as model.ckpt (export it as a PyTorch state dict with `scorebatch export --format pytorch`)");
        return new TrainJobArgs(
            JobNames.Check("input", request.Input, requireBlobName: false),
            JobNames.Check("output", request.Output, requireBlobName: false),
            request.Model is null ? null : JobNames.Check("model", request.Model, requireBlobName: true),
            model,
            trainer,
            p.GetString("transform", DataTransforms.Log1p, [DataTransforms.Log1p, DataTransforms.Identity]),
            p.Has("device") ? p.GetString("device", "auto", TorchDevices.Names) : null,
            exportEqx,
            p.Has("steps"),
            process,
            sigmaMaxFromData);
    }

    private static ScoreNetOptions MixerOptions(JobParams p)
    {
        var mlp = p.GetInt32("mlp_width", 512, 1, 8192);
        return new ScoreNetOptions
        {
            ImageSize = p.GetInt32("size", 64, 4, 512),
            Width = p.GetInt32("width", 64, 1, 4096),
            Blocks = p.GetInt32("blocks", 4, 1, 64),
            TokenMlpWidth = mlp,
            ChannelMlpWidth = mlp,
        };
    }

    private static ScoreNetOptions NcsnppOptions(JobParams p)
    {
        var size = p.GetInt32("size", 64, 4, 512);
        var options = new ScoreNetOptions
        {
            Architecture = ScoreNetArchitectures.Ncsnpp,
            ImageSize = size,
            Nf = p.GetInt32("nf", 64, 4, 1024),
            ChannelMultipliers = p.GetString("ch_mult", ""),
            ResBlocks = p.GetInt32("res_blocks", 2, 1, 16),
            AttentionResolution = p.GetInt32("attn_resolution", 0, 0, 512),
        };
        // Recorded explicitly, so the checkpoint says what the size defaults were.
        return options with
        {
            ChannelMultipliers = string.Join(",", NcsnppMultipliersOrThrow(options)),
            AttentionResolution = options.NcsnppAttentionResolution,
        };
    }

    private static IReadOnlyList<int> NcsnppMultipliersOrThrow(ScoreNetOptions options)
    {
        try
        {
            return options.NcsnppMultipliers();
        }
        catch (ArgumentException e)
        {
            throw new JobValidationException("params.ch_mult", e.Message);
        }
    }

    private static double EmaDecay(JobParams p, double defaultValue)
    {
        var decay = p.GetDouble("ema", defaultValue, 0, 0.999999999);
        if (decay != 0 && decay < 0.5)
            throw new JobValidationException("params.ema", $"must be 0 (no average) or a decay in [0.5, 1), got {decay}");
        return decay;
    }

    /// <summary>The param an ncsnpp option error is about, from the option it names.</summary>
    private static string NcsnppField(string message) =>
        message.Contains("ScoreNetOptions.Nf", StringComparison.Ordinal) ? "params.nf"
        : message.Contains("ScoreNetOptions.ChannelMultipliers", StringComparison.Ordinal) ? "params.ch_mult"
        : message.Contains("ScoreNetOptions.ResBlocks", StringComparison.Ordinal) ? "params.res_blocks"
        : message.Contains("ScoreNetOptions.AttentionResolution", StringComparison.Ordinal) ? "params.attn_resolution"
        : "params.size";
}
