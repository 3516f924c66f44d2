using System.CommandLine;
using System.Runtime.InteropServices;
using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Jobs.Diffusion;
using ScoreBatch.Jobs.Kinds.Train;
using ScoreBatch.Jobs.Model;
using ScoreBatch.Jobs.Runtime;
using ScoreBatch.Jobs.Training;
using ScoreBatch.Jobs.Transforms;

namespace ScoreBatch.Worker.Cli;

/// <summary>
/// `scorebatch train`: runs the train job's handler (<see cref="TrainJobHandler"/>, the queue's own) on local folders
/// (<see cref="LocalJob"/>), so it writes under --out exactly what a train job writes under its output: checkpoints
/// (checkpoints/ckpt-STEP.ckpt plus checkpoints/latest.json), the final model (model.ckpt), loss.csv and loss.png
/// (redrawn at every checkpoint). --out must be new or empty (--overwrite empties it first), except when resuming from
/// a checkpoint inside it, which rewinds the run to that checkpoint; on --resume, flags the checkpoint fixes
/// (architecture, batch, lr, optimiser, seed, time sampling) are refused when they differ from it. A periodic
/// checkpoint resumes exactly; a model-only one (model.ckpt) gives its weights to a new run, as the log says.
/// Ctrl+C stops between steps and writes a checkpoint to resume from.
/// </summary>
internal static class TrainCommand
{
    private static readonly Option<string> Data = new("--data") { Description = "Training cutouts: a cutout file (.npy, .npz, .fits, .fits.fz; an image or a stack [N x H x W]) or a folder searched recursively", Required = true };
    private static readonly Option<string> Out = new("--out") { Description = "Output folder for checkpoints, model.ckpt and loss.csv", Required = true };
    private static readonly Option<int?> Size = new("--size") { Description = "Model image size N (divisible by 4; smaller cutouts are padded centrally) [default: 64, or the checkpoint's]" };
    private static readonly Option<long?> Steps = new("--steps") { Description = "Total optimiser steps [default: 10000; on --resume, the checkpoint's]" };
    private static readonly Option<int> Batch = new("--batch") { Description = "Images per step (last partial batch of an epoch is dropped)", DefaultValueFactory = _ => 256 };
    private static readonly Option<double> Lr = new("--lr") { Description = "Constant learning rate", DefaultValueFactory = _ => 3e-4 };
    private static readonly Option<string> Optimizer = new("--optimizer") { Description = "Optimiser", DefaultValueFactory = _ => OptimizerNames.AdaBelief };
    private static readonly Option<long> Seed = new("--seed") { Description = "Seed of the weights, the noise and the data order", DefaultValueFactory = _ => 0 };
    private static readonly Option<long> CheckpointEvery = new("--checkpoint-every") { Description = "Write a checkpoint every K steps (0 = only at the end)", DefaultValueFactory = _ => 1000 };
    private static readonly Option<int> LogEvery = new("--log-every") { Description = "Print a progress line every L steps", DefaultValueFactory = _ => 50 };
    private static readonly Option<string?> Resume = new("--resume") { Description = "Continue exactly from this periodic checkpoint (model, optimiser, step, data order, RNG), or start from a model-only checkpoint's weights" };
    private static readonly Option<string?> Process = new("--process") { Description = "Noise process, e.g. 'vp(beta=1, T=10)' [default: vp(beta=1, T=10), or the checkpoint's]" };
    private static readonly Option<string> Device = new("--device") { Description = "auto (CUDA when available), cpu or cuda", DefaultValueFactory = _ => "auto" };
    private static readonly Option<string?> Transform = new("--transform") { Description = "Model space: log1p (y = ln(1+x)/0.1, the released priors) or identity [default: log1p, or the checkpoint's]" };
    private static readonly Option<int> Width = new("--width") { Description = "Mixer channels per token", DefaultValueFactory = _ => 64 };
    private static readonly Option<int> Blocks = new("--blocks") { Description = "Mixer blocks", DefaultValueFactory = _ => 4 };
    private static readonly Option<int> MlpWidth = new("--mlp-width") { Description = "Hidden width of the token and channel MLPs", DefaultValueFactory = _ => 512 };
    private static readonly Option<string?> TimeSamplingOption = new("--time-sampling") { Description = "Diffusion times in training: log_uniform (each decade of t alike: learns the small t that scoring uses), uniform (the released recipe) or log_uniform_weighted (log-uniform with weights that keep the uniform objective) [default: log_uniform, or the checkpoint's]" };
    private static readonly Option<bool> Overwrite = new("--overwrite") { Description = "Empty a non-empty --out folder first (without it such a folder is refused; --resume from a checkpoint inside --out continues there)" };
    private static readonly Option<string?> Arch = new("--arch") { Description = "Network: mixer (the released galaxygrad priors' MLP-Mixer, VP) or ncsnpp (the NCSN++ U-Net, VE with sigma_max from the data, Adam with warm-up, clipping and EMA) [default: mixer, or the checkpoint's]" };
    private static readonly Option<int?> Nf = new("--nf") { Description = "ncsnpp: channels of the first level [default: 64]" };
    private static readonly Option<string?> ChMult = new("--ch-mult") { Description = "ncsnpp: channel multiplier per level, e.g. 1,2,2 [default: 1,2,2 up to 32², 1,2,2,2 above]" };
    private static readonly Option<int?> ResBlocks = new("--res-blocks") { Description = "ncsnpp: residual blocks per level [default: 2]" };
    private static readonly Option<int?> AttnResolution = new("--attn-resolution") { Description = "ncsnpp: side of the level with self-attention [default: size / 4]" };
    private static readonly Option<double?> Ema = new("--ema") { Description = "Decay of the weights' moving average that scoring and export use (0 = none) [default: 0 for mixer, 0.999 for ncsnpp]" };
    private static readonly Option<long?> Warmup = new("--warmup") { Description = "Linear learning-rate warm-up steps [default: 0 for mixer, 5000 for ncsnpp]" };
    private static readonly Option<string?> PrecisionOption = new("--precision") { Description = "Precision of the network's products: fp32 or bf16 (mixed precision, mixer only: MLP products in bfloat16 from fp32 weights; faster on CPUs with AVX512_BF16) [default: fp32]" };
    private static readonly Option<double?> GradClip = new("--grad-clip") { Description = "Clip the global gradient norm to this value (0 = no clipping) [default: 0 for mixer, 1.0 for ncsnpp]" };
    private static readonly Option<bool> Eqx = new("--eqx") { Description = "Also write model.eqx (galaxygrad/equinox layout, read by galaxygrad and scarlet2) next to model.ckpt" };

    public static Command Create()
    {
        Optimizer.AcceptOnlyFromAmong([.. OptimizerNames.All]);
        Device.AcceptOnlyFromAmong([.. TorchDevices.Names]);
        Transform.AcceptOnlyFromAmong(DataTransforms.Log1p, DataTransforms.Identity);
        TimeSamplingOption.AcceptOnlyFromAmong([.. TimeSampling.Names]);
        Arch.AcceptOnlyFromAmong([.. ScoreNetArchitectures.Names]);
        PrecisionOption.AcceptOnlyFromAmong([.. TrainerOptions.PrecisionNames]);
        var command = new Command("train", "Train a score-based galaxy prior (denoising score matching, VP beta = 1, T = 10 by default) on local cutouts: the train job, run on local folders.");
        foreach (var option in new Option[] { Data, Out, Size, Steps, Batch, Lr, Optimizer, Seed, CheckpointEvery, LogEvery, Resume, Device, Transform, Width, Blocks, MlpWidth, TimeSamplingOption, Process, Arch, Nf, ChMult, ResBlocks, AttnResolution, Ema, Warmup, GradClip, PrecisionOption, Eqx, Overwrite })
            command.Options.Add(option);
        command.SetAction(RunAsync);
        return command;
    }

    /// <summary>Each flag and the train job param it sets; only flags given on the command line become params.</summary>
    private static readonly (Option Option, string Param)[] Params =
    [
        (Size, "size"), (Steps, "steps"), (Batch, "batch"), (Lr, "lr"), (Optimizer, "optimizer"), (Seed, "seed"),
        (CheckpointEvery, "checkpoint_every"), (LogEvery, "log_every"), (Device, "device"), (Transform, "transform"),
        (Width, "width"), (Blocks, "blocks"), (MlpWidth, "mlp_width"), (TimeSamplingOption, "time_sampling"),
        (Process, "process"), (Eqx, "export_eqx"), (Arch, "architecture"), (Nf, "nf"), (ChMult, "ch_mult"),
        (ResBlocks, "res_blocks"), (AttnResolution, "attn_resolution"), (Ema, "ema"), (Warmup, "warmup"), (GradClip, "grad_clip"), (PrecisionOption, "precision"),
    ];

    private static async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        // The parser leaves termination signals to the program (ScoreBatchCli), so train handles Ctrl+C and SIGTERM
        // itself: the default exit is suppressed, the loop stops between steps and a checkpoint is written.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        var job = new LocalJob(JobKinds.Train);
        return await job.RunCommandAsync(() => Task.Run(() => TrainAsync(parse, job, stop.Token), CancellationToken.None), FlagErrors.Train).ConfigureAwait(false);
    }

    private static async Task<int> TrainAsync(ParseResult parse, LocalJob job, CancellationToken cancellationToken)
    {
        TorchDevices.UseAllCores();
        var outDir = Path.GetFullPath(parse.GetValue(Out)!);
        var dataPath = parse.GetValue(Data)!;
        job.Input(dataPath, "--data").Output(outDir);
        job.ParamsFrom(parse, Params);
        var resumePath = parse.GetValue(Resume) is { } r ? Path.GetFullPath(r) : null;
        // A run resumed from a checkpoint inside --out continues there (rewound to it); anything else needs an empty
        // --out (or --overwrite).
        var resumingInPlace = resumePath is not null && OutputFolder.Contains(outDir, resumePath);
        if (resumePath is not null && !resumingInPlace) job.Model(resumePath, "--resume");
        var (request, store) = job.Build();
        var handler = new TrainJobHandler();
        handler.Validate(request);
        if (resumePath is not null && !File.Exists(resumePath)) throw new ArgumentException($"--resume: '{resumePath}' does not exist");
        if (!resumingInPlace || parse.GetValue(Overwrite))
            OutputFolder.Prepare(outDir, parse.GetValue(Overwrite), ("--data", dataPath), ("--resume", resumePath));
        if (resumingInPlace) Rewind(outDir, resumePath!);

        var code = await job.RunAsync(handler, request, store, parse.GetValue(Device)!, cancellationToken).ConfigureAwait(false);
        if (code == 130)
        {
            var latest = CheckpointPointer.Parse(await File.ReadAllTextAsync(Path.Combine(outDir, CheckpointPointer.Folder, CheckpointPointer.LatestFile), CancellationToken.None).ConfigureAwait(false), "latest.json");
            Console.WriteLine($"train: interrupted at step {latest.Step}; resume with --resume {Path.Combine(outDir, CheckpointPointer.Folder, latest.Checkpoint)}");
        }
        else if (code == 0)
        {
            Console.WriteLine($"train: model {Path.Combine(outDir, "model.ckpt")}, loss log {Path.Combine(outDir, "loss.csv")}");
        }
        return code;
    }

    /// <summary>
    /// Resuming inside --out from <paramref name="checkpoint"/> rewinds the run to it: checkpoints after its step and the
    /// final model go, and checkpoints/latest.json names it, so the job continues from there (loss.csv is cut back to
    /// that step by the job itself).
    /// </summary>
    private static void Rewind(string outDir, string checkpoint)
    {
        var header = Checkpoint.Load(checkpoint).Header;
        if (header.OptimizerBytes == 0)
            throw new ArgumentException($"--resume: '{checkpoint}' holds weights only; to start a new run from its weights, choose a new --out");
        var folder = Path.Combine(outDir, CheckpointPointer.Folder);
        var name = Path.GetFileName(checkpoint);
        if (Path.GetDirectoryName(checkpoint) != folder || name != CheckpointPointer.FileName(header.Step))
            throw new ArgumentException($"--resume: a checkpoint inside --out must be one of its own {Path.Combine(folder, "ckpt-<step>.ckpt")}, got '{checkpoint}'");
        var removed = new List<string>();
        foreach (var file in Directory.EnumerateFiles(folder, "ckpt-*.ckpt").Order(StringComparer.Ordinal))
        {
            if (string.CompareOrdinal(Path.GetFileName(file), name) <= 0) continue; // names sort by step (zero-padded)
            File.Delete(file);
            removed.Add(Path.GetFileName(file));
        }
        foreach (var final in new[] { "model.ckpt", "model.eqx" })
        {
            var path = Path.Combine(outDir, final);
            if (!File.Exists(path)) continue;
            File.Delete(path);
            removed.Add(final);
        }
        var latest = Path.Combine(folder, CheckpointPointer.LatestFile);
        File.WriteAllText(latest + ".tmp", new CheckpointPointer(name, header.Step, header.CreatedUtc).ToJson());
        File.Move(latest + ".tmp", latest, overwrite: true);
        if (removed.Count > 0) Console.WriteLine($"train: rewinding {outDir} to step {header.Step} (removed {string.Join(", ", removed)})");
    }
}
