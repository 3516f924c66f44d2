using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using ScoreBatch.Jobs.Diffusion;
using ScoreBatch.Jobs.Interop;
using ScoreBatch.Jobs.Model;
using ScoreBatch.Jobs.Previews;
using ScoreBatch.Jobs.Runtime;
using ScoreBatch.Jobs.Training;
using ScoreBatch.Jobs.Transforms;
using ScoreBatch.Storage.Formats;
using TorchSharp;
using static TorchSharp.torch;

namespace ScoreBatch.Worker.Cli;

/// <summary>
/// `scorebatch train`: trains a ScoreNet on local .npy cutouts and writes, under --out, checkpoints
/// (checkpoints/ckpt-STEP.ckpt plus checkpoints/latest.json), the final model (model.ckpt), loss.csv and loss.png
/// (redrawn at every checkpoint). --out must be new or empty (--overwrite empties it first), except when resuming from
/// a checkpoint inside it; on --resume, flags the checkpoint fixes (architecture, batch, lr, optimiser, seed) are refused
/// when they differ from it.
/// Ctrl+C stops between steps and writes a checkpoint to resume from.
/// </summary>
internal static class TrainCommand
{
    private static readonly Option<string> Data = new("--data") { Description = "Training cutouts: an .npy stack [N x H x W] or a folder of .npy files (searched recursively)", Required = true };
    private static readonly Option<string> Out = new("--out") { Description = "Output folder for checkpoints, model.ckpt and loss.csv", Required = true };
    private static readonly Option<int?> Size = new("--size") { Description = "Model image size N (divisible by 4; smaller cutouts are padded centrally) [default: 64, or the checkpoint's]" };
    private static readonly Option<long?> Steps = new("--steps") { Description = "Total optimiser steps [default: 10000; on --resume, the checkpoint's]" };
    private static readonly Option<int> Batch = new("--batch") { Description = "Images per step (last partial batch of an epoch is dropped)", DefaultValueFactory = _ => 256 };
    private static readonly Option<double> Lr = new("--lr") { Description = "Constant learning rate", DefaultValueFactory = _ => 3e-4 };
    private static readonly Option<string> Optimizer = new("--optimizer") { Description = "Optimiser", DefaultValueFactory = _ => OptimizerNames.AdaBelief };
    private static readonly Option<long> Seed = new("--seed") { Description = "Seed of the weights, the noise and the data order", DefaultValueFactory = _ => 0 };
    private static readonly Option<long> CheckpointEvery = new("--checkpoint-every") { Description = "Write a checkpoint every K steps (0 = only at the end)", DefaultValueFactory = _ => 1000 };
    private static readonly Option<int> LogEvery = new("--log-every") { Description = "Print a progress line every L steps", DefaultValueFactory = _ => 50 };
    private static readonly Option<string?> Resume = new("--resume") { Description = "Continue exactly from this checkpoint (model, optimiser, step, data order, RNG)" };
    private static readonly Option<string> Device = new("--device") { Description = "auto (CUDA when available), cpu or cuda", DefaultValueFactory = _ => "auto" };
    private static readonly Option<string?> Transform = new("--transform") { Description = "Model space: log1p (y = ln(1+x)/0.1, the released priors) or identity [default: log1p, or the checkpoint's]" };
    private static readonly Option<int> Width = new("--width") { Description = "Mixer channels per token", DefaultValueFactory = _ => 64 };
    private static readonly Option<int> Blocks = new("--blocks") { Description = "Mixer blocks", DefaultValueFactory = _ => 4 };
    private static readonly Option<int> MlpWidth = new("--mlp-width") { Description = "Hidden width of the token and channel MLPs", DefaultValueFactory = _ => 512 };
    private static readonly Option<string?> TimeSamplingOption = new("--time-sampling") { Description = "Diffusion times in training: log_uniform (each decade of t alike: learns the small t that scoring uses), uniform (the released recipe) or log_uniform_weighted (log-uniform with weights that keep the uniform objective) [default: log_uniform, or the checkpoint's]" };
    private static readonly Option<bool> Overwrite = new("--overwrite") { Description = "Empty a non-empty --out folder first (without it such a folder is refused; --resume from a checkpoint inside --out continues there)" };
    private static readonly Option<bool> Eqx = new("--eqx") { Description = "Also write model.eqx (galaxygrad/equinox layout, read by galaxygrad and scarlet2) next to model.ckpt" };

    public static Command Create()
    {
        Optimizer.AcceptOnlyFromAmong([.. OptimizerNames.All]);
        Device.AcceptOnlyFromAmong([.. TorchDevices.Names]);
        Transform.AcceptOnlyFromAmong(DataTransforms.Log1p, DataTransforms.Identity);
        TimeSamplingOption.AcceptOnlyFromAmong([.. TimeSampling.Names]);
        var command = new Command("train", "Train a score-based galaxy prior (denoising score matching, VP beta = 1, T = 10) on local cutouts.");
        foreach (var option in new Option[] { Data, Out, Size, Steps, Batch, Lr, Optimizer, Seed, CheckpointEvery, LogEvery, Resume, Device, Transform, Width, Blocks, MlpWidth, TimeSamplingOption, Eqx, Overwrite })
            command.Options.Add(option);
        command.SetAction(RunAsync);
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        try
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
            return await Task.Run(() => TrainAsync(parse, stop.Token), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or IOException or CutoutFormatException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"train: {FlagErrors.Describe(e, FlagErrors.Train)}").ConfigureAwait(false);
            return 2;
        }
    }

    private static async Task<int> TrainAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        TorchDevices.UseAllCores();
        var device = TorchDevices.Resolve(parse.GetValue(Device)!);
        var outDir = parse.GetValue(Out)!;
        var checkpointDir = Path.Combine(outDir, CheckpointPointer.Folder);

        var resumePath = parse.GetValue(Resume);
        Checkpoint? resume = resumePath is not null ? Checkpoint.Load(resumePath) : null;
        if (resume is not null) RefuseConflictsWithCheckpoint(parse, resume);
        var options = resume?.Header.Model ?? new ScoreNetOptions
        {
            ImageSize = parse.GetValue(Size) ?? 64,
            Width = parse.GetValue(Width),
            Blocks = parse.GetValue(Blocks),
            TokenMlpWidth = parse.GetValue(MlpWidth),
            ChannelMlpWidth = parse.GetValue(MlpWidth),
        };
        if (resume is not null && parse.GetValue(Size) is { } size && size != options.ImageSize)
            resume.EnsureMatches(options with { ImageSize = size });
        options.Validate();

        var transform = resume?.CreateTransform() ?? DataTransforms.Create(parse.GetValue(Transform) ?? DataTransforms.Log1p);
        if (resume is not null && parse.GetValue(Transform) is { } named && named != transform.Spec.Name)
            throw new ArgumentException($"--transform {named}: {resume.Source} was trained with '{transform.Spec}'");

        var trainerOptions = (resume?.Header.Trainer ?? new TrainerOptions
        {
            BatchSize = parse.GetValue(Batch),
            LearningRate = parse.GetValue(Lr),
            Optimizer = parse.GetValue(Optimizer)!,
            Seed = parse.GetValue(Seed),
            TimeSampling = parse.GetValue(TimeSamplingOption) ?? TimeSampling.LogUniform,
        }) with
        {
            CheckpointEvery = parse.GetValue(CheckpointEvery),
            LogEvery = parse.GetValue(LogEvery),
        };
        trainerOptions = trainerOptions with { Steps = parse.GetValue(Steps) ?? (resume is null ? 10_000 : trainerOptions.Steps) };
        trainerOptions.Validate();

        var dataPath = parse.GetValue(Data)!;
        InMemoryTrainingData data;
        using (var images = LoadImages(dataPath, options.ImageSize))
        using (var modelSpace = transform.Forward(images))
            data = new InMemoryTrainingData(modelSpace); // the data-space stack is freed here; only y stays in memory
        using var dataScope = data;
        // A run resumed from a checkpoint inside --out continues there; anything else needs an empty --out (or --overwrite).
        var resumingInPlace = resumePath is not null && OutputFolder.Contains(outDir, resumePath);
        if (!resumingInPlace || parse.GetValue(Overwrite))
            OutputFolder.Prepare(outDir, parse.GetValue(Overwrite), ("--data", dataPath), ("--resume", resumePath));
        Directory.CreateDirectory(checkpointDir);
        Console.WriteLine($"train: {data.Count} images {options.ImageSize}x{options.ImageSize} from {dataPath}, transform {transform.Spec}, device {device.type}");

        using var init = new Generator(unchecked((ulong)trainerOptions.Seed));
        using var model = ScoreNetFactory.Create(options, init);
        Console.WriteLine($"train: {options.Architecture} v{ScoreNetArchitectures.CurrentVersion(options.Architecture)}, {ScoreNetFactory.ParameterCount(model):N0} parameters, "
            + $"{trainerOptions.Optimizer} lr {trainerOptions.LearningRate}, batch {trainerOptions.BatchSize}, {trainerOptions.Steps} steps, seed {trainerOptions.Seed}");
        model.to(device);
        using var trainer = new Trainer(model, NoiseProcesses.Create(resume?.Header.ProcessOrDefault ?? NoiseProcesses.Default), trainerOptions, device);
        if (resume is not null)
        {
            trainer.Restore(resume);
            Console.WriteLine($"train: resumed from {resume.Source} at step {trainer.Step}");
        }

        var lossLog = new LossLog(Path.Combine(outDir, "loss.csv"), trainer.Step);
        try
        {
            trainer.StepCompleted = lossLog.Append;
            trainer.Progress = new ConsoleProgress();
            trainer.CheckpointDue = async (t, ct) =>
            {
                lossLog.Flush();
                await SaveCheckpointAsync(t, transform, checkpointDir, ct).ConfigureAwait(false);
                await DrawLossAsync(lossLog.Path, outDir, ct).ConfigureAwait(false);
            };
            var result = await trainer.RunAsync(data, cancellationToken).ConfigureAwait(false);
            lossLog.Flush();
            await DrawLossAsync(lossLog.Path, outDir, CancellationToken.None).ConfigureAwait(false);
            // The periodic checkpoint may already hold this very step; write it only when it does not.
            var last = Path.Combine(checkpointDir, CheckpointPointer.FileName(trainer.Step));
            if (!File.Exists(last)) last = await SaveCheckpointAsync(trainer, transform, checkpointDir, CancellationToken.None).ConfigureAwait(false);
            if (result.Cancelled)
            {
                Console.WriteLine($"train: interrupted at step {result.Step}; resume with --resume {last}");
                return 130;
            }
            var modelPath = Path.Combine(outDir, "model.ckpt");
            var final = Checkpoint.FromModel(trainer.Model, transform, trainer.Step, trainerOptions, process: trainer.Process.Spec);
            await WriteAtomicallyAsync(modelPath, final, CancellationToken.None).ConfigureAwait(false);
            if (parse.GetValue(Eqx))
            {
                var eqxPath = Path.Combine(outDir, "model.eqx");
                using (var eqx = File.Create(eqxPath + ".tmp"))
                    ModelInterchange.Export(final, ExportFormat.Eqx, eqx);
                File.Move(eqxPath + ".tmp", eqxPath, overwrite: true);
                Console.WriteLine($"train: wrote {eqxPath}");
            }
            Console.WriteLine($"train: done, step {result.Step}, last loss {result.LastLoss:F5}; model {modelPath}, loss log {lossLog.Path}");
            return 0;
        }
        finally
        {
            lossLog.Dispose();
        }
    }

    /// <summary>
    /// --resume continues exactly: the architecture and the optimiser settings come from the checkpoint. A flag given
    /// with a different value would be silently ignored, so it is refused, naming the flag and the checkpoint's value.
    /// </summary>
    private static void RefuseConflictsWithCheckpoint(ParseResult parse, Checkpoint resume)
    {
        var model = resume.Header.Model;
        var checks = new List<(Option Option, object Given, object Saved)>
        {
            (Width, parse.GetValue(Width), model.Width),
            (Blocks, parse.GetValue(Blocks), model.Blocks),
            (MlpWidth, parse.GetValue(MlpWidth), model.TokenMlpWidth),
        };
        if (resume.Header.Trainer is { } trainer)
        {
            checks.Add((Batch, parse.GetValue(Batch), trainer.BatchSize));
            checks.Add((Lr, parse.GetValue(Lr), trainer.LearningRate));
            checks.Add((Optimizer, parse.GetValue(Optimizer)!, trainer.Optimizer));
            checks.Add((Seed, parse.GetValue(Seed), trainer.Seed));
            checks.Add((TimeSamplingOption, parse.GetValue(TimeSamplingOption) ?? "", trainer.TimeSampling));
        }
        foreach (var (option, given, saved) in checks)
        {
            if (parse.GetResult(option) is not { Implicit: false } || Equals(given, saved)) continue;
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"{option.Name} {given}: {resume.Source} was trained with {option.Name} {saved}, and --resume continues exactly; leave {option.Name} out (--steps, --checkpoint-every and --log-every may change), or start a new run"));
        }
    }

    /// <summary>Loads every cutout of an .npy stack or of the .npy files under a folder (sorted by path) into [N x 1 x S x S].</summary>
    private static Tensor LoadImages(string path, int size)
    {
        string[] files;
        if (Directory.Exists(path))
            files = Directory.EnumerateFiles(path, "*.npy", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
        else if (File.Exists(path))
            files = [path];
        else
            throw new ArgumentException($"--data: '{path}' is neither a file nor a folder");
        if (files.Length == 0) throw new ArgumentException($"--data: no .npy files under '{path}'");
        var cutouts = files.SelectMany(f => CutoutReader.Read(f, File.ReadAllBytes(f))).ToList();
        return TrainingImages.Stack(cutouts, size);
    }

    private static async Task<string> SaveCheckpointAsync(Trainer trainer, IDataTransform transform, string directory, CancellationToken cancellationToken)
    {
        var name = CheckpointPointer.FileName(trainer.Step);
        var path = Path.Combine(directory, name);
        await WriteAtomicallyAsync(path, Checkpoint.Capture(trainer, transform), cancellationToken).ConfigureAwait(false);
        var pointer = new CheckpointPointer(name, trainer.Step, DateTimeOffset.UtcNow).ToJson();
        var latest = Path.Combine(directory, CheckpointPointer.LatestFile);
        await File.WriteAllTextAsync(latest + ".tmp", pointer, cancellationToken).ConfigureAwait(false);
        File.Move(latest + ".tmp", latest, overwrite: true);
        Console.WriteLine($"train: checkpoint {path}");
        return path;
    }

    /// <summary>Writes to a temporary name and renames, so a crash never leaves a half-written checkpoint under the final name.</summary>
    private static async Task WriteAtomicallyAsync(string path, Checkpoint checkpoint, CancellationToken cancellationToken)
    {
        var temporary = path + ".tmp";
        await using (var stream = File.Create(temporary))
        {
            checkpoint.Save(stream);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Redraws loss.png from loss.csv (written beside it through a temporary file).</summary>
    private static async Task DrawLossAsync(string lossCsv, string outDir, CancellationToken cancellationToken)
    {
        var text = await File.ReadAllTextAsync(lossCsv, cancellationToken).ConfigureAwait(false);
        if (LossCurve.Parse(text).Losses.All(l => !(l > 0) || !double.IsFinite(l))) return; // nothing to draw yet
        var png = Path.Combine(outDir, PreviewRenderer.LossCurveFile);
        await File.WriteAllBytesAsync(png + ".tmp", LossCurve.RenderCsv(text, $"training loss ({Path.GetFileName(outDir)})"), cancellationToken).ConfigureAwait(false);
        File.Move(png + ".tmp", png, overwrite: true);
    }

    private sealed class ConsoleProgress : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => Console.WriteLine($"train: {value}");
    }

    /// <summary>
    /// loss.csv ("step,loss"). On resume the rows after the checkpoint's step are dropped, since those steps run again.
    /// </summary>
    private sealed class LossLog : IDisposable
    {
        private readonly StreamWriter writer;

        public LossLog(string path, long resumeStep)
        {
            Path = path;
            var kept = new List<string>();
            if (resumeStep > 0 && File.Exists(path))
            {
                kept.AddRange(File.ReadLines(path).Skip(1).TakeWhile(line =>
                    long.TryParse(line.AsSpan(0, Math.Max(0, line.IndexOf(',', StringComparison.Ordinal))), CultureInfo.InvariantCulture, out var step) && step <= resumeStep));
            }
            writer = new StreamWriter(path, append: false);
            writer.WriteLine("step,loss");
            foreach (var line in kept) writer.WriteLine(line);
        }

        public string Path { get; }

        public void Append(long step, double loss) =>
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{step},{loss:R}"));

        public void Flush() => writer.Flush();

        public void Dispose() => writer.Dispose();
    }
}
