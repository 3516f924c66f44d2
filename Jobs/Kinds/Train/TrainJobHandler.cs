using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Jobs.Diffusion;
using ScoreBatch.Jobs.Handlers;
using ScoreBatch.Jobs.Model;
using ScoreBatch.Jobs.Runtime;
using ScoreBatch.Jobs.Training;
using ScoreBatch.Jobs.Transforms;
using ScoreBatch.Storage.Abstractions;
using TorchSharp;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Kinds.Train;

/// <summary>
/// Runs "train" jobs (SCIENCE.md 3): reads every cutout under "input", trains a ScoreNet by denoising score
/// matching and writes, under "output": checkpoints/ckpt-STEP.ckpt every params.checkpoint_every steps with
/// checkpoints/latest.json naming the newest, loss.csv and loss.png (refreshed at each checkpoint), and at the end
/// model.ckpt (and model.eqx when params.export_eqx). A redelivered job resumes exactly from latest.json, so a
/// crash or an eviction costs at most the steps since the last checkpoint and the loss curve never has a gap or a
/// duplicate. On cancellation (shutdown) it writes a checkpoint and returns <see cref="JobOutcome.Snooze"/>.
/// Numbered checkpoints and model.ckpt are written with overwrite: false; training is deterministic, so bytes an
/// earlier attempt left are the ones this attempt would write. A storage outage while writing them pauses training
/// until storage is back (up to <see cref="TrainJobHandlerOptions.StorageOutageBudget"/>, 3 minutes by default).
/// </summary>
public sealed class TrainJobHandler(TrainJobHandlerOptions? options = null) : JobHandler<TrainJobArgs>
{
    private readonly TrainJobHandlerOptions _options = (options ?? new TrainJobHandlerOptions()).Validate();

    public override string Kind => TrainJobArgs.Kind;

    protected override TrainJobArgs Parse(JobRequest request, JobParamLimits limits) => TrainJobArgs.From(request, limits);

    /// <summary>Starts loading libtorch while the runner writes the job's status (see <see cref="TorchPreload"/>).</summary>
    public override void Prepare(JobRequest request) => TorchPreload.Start();

    protected override async Task<JobOutcome> ExecuteAsync(JobContext context, TrainJobArgs args, CancellationToken cancellationToken)
    {
        var device = JobResources.ResolveDevice(args.Device ?? context.Device);
        var run = new TrainingRunPaths(args.Output);

        var (resume, resumedFromLatest) = await FindResumePointAsync(context.Store, args, run, cancellationToken).ConfigureAwait(false);
        if (resume is not null) RefuseConflicts(context.Request.Params, args, resume);
        var options = resume?.Header.Model ?? args.Model;
        if (resume is not null && context.Request.Params.Has("size") && args.Model.ImageSize != options.ImageSize)
            throw new JobValidationException("params.size", $"is {args.Model.ImageSize} but {resume.Source} holds a {options.ImageSize}x{options.ImageSize} model");
        var transform = resume?.CreateTransform() ?? DataTransforms.Create(args.Transform);
        var processSpec = resume?.Header.ProcessOrDefault ?? args.Process;
        if (resume is not null && context.Request.Params.Has("process") && args.Process != processSpec)
            throw new JobValidationException("params.process", $"is {args.Process} but {resume.Source} was trained under {processSpec}");
        var trainerOptions = (resume?.Header.Trainer is { } saved && resume.OptimizerState.Length > 0 ? saved : args.Trainer) with
        {
            CheckpointEvery = args.Trainer.CheckpointEvery,
            LogEvery = args.Trainer.LogEvery,
        };
        if (args.StepsGiven || resume?.Header.Trainer is null) trainerOptions = trainerOptions with { Steps = args.Trainer.Steps };
        if (resume is not null && resume.OptimizerState.Length > 0 && resume.Header.Step >= trainerOptions.Steps && !resumedFromLatest)
            throw new JobValidationException("params.steps", $"is {trainerOptions.Steps} but {resume.Source} is already at step {resume.Header.Step}");

        using var images = await LoadImagesAsync(context, args, options.ImageSize, cancellationToken).ConfigureAwait(false);
        using var modelSpace = ToModelSpace(transform, images, args.Input);
        using var data = new InMemoryTrainingData(modelSpace);
        if (resume is null && args.SigmaMaxFromData)
        {
            // Song and Ermon's rule on a seeded sample of the training set, recorded in every checkpoint's process.
            using var sample = new Generator(unchecked((ulong)trainerOptions.Seed));
            var sigmaMax = VeSigmaMax.LargestPairwiseDistance(modelSpace, VeSigmaMax.DefaultSample, sample);
            var parameters0 = new Dictionary<string, double>(processSpec.Parameters, StringComparer.Ordinal) { ["sigma_max"] = sigmaMax };
            processSpec = processSpec with { Parameters = parameters0 };
            var sampled = Math.Min(data.Count, VeSigmaMax.DefaultSample);
            TrainJobLog.SigmaMax(context.Logger, sigmaMax, sampled);
        }
        INoiseProcess process;
        try
        {
            process = NoiseProcesses.Create(processSpec);
        }
        catch (ArgumentException e)
        {
            throw new JobValidationException("params.process", e.Message);
        }

        using var init = new Generator(unchecked((ulong)trainerOptions.Seed));
        using var model = ScoreNetFactory.Create(options, init);
        if (resume is not null && resume.OptimizerState.Length == 0)
        {
            resume.LoadWeightsInto(model);
            TrainJobLog.WeightsOnly(context.Logger, resume.Source, resume.Header.Step);
        }
        model.to(device);
        using var trainer = new Trainer(model, process, trainerOptions, device, context.Time);
        if (resume is not null && resume.OptimizerState.Length > 0) trainer.Restore(resume);
        var parameters = ScoreNetFactory.ParameterCount(model);
        var deviceName = device.type == DeviceType.CPU ? CpuDeviceName(torch.get_num_threads()) : device.type.ToString();
        var processName = processSpec.ToString();
        TrainJobLog.Starting(context.Logger, data.Count, options.ImageSize, options.Architecture, parameters, processName, trainer.Step,
            trainerOptions.Steps, resume?.Source ?? "(new)", deviceName, trainerOptions.PrecisionName);

        var history = await ReadHistoryAsync(context.Store, run, resumedFromLatest, trainer.Step, cancellationToken).ConfigureAwait(false);
        var writer = new TrainingOutputWriter(context.Store, run, transform, context.Time);
        trainer.StepCompleted = history.Add;
        trainer.Progress = new Progress(context);
        // A checkpoint under way is finished even when shutdown starts meanwhile (a torn-off write would leave the
        // run at the previous checkpoint); the loop then stops at its next check and writes the final one.
        // A write that storage refuses for a while (an outage) is tried again while training waits
        // (TrainJobHandlerOptions.StorageOutageBudget), so no step is lost; shutdown ends the wait.
        Task Tolerant(string what, Func<Task> write) => OutageTolerantWrite.RunAsync(what, write, _options, context.Time, context.Logger, cancellationToken);
        trainer.CheckpointDue = (t, _) => Tolerant($"the checkpoint at step {t.Step}", () => writer.WriteCheckpointAsync(t, history, CancellationToken.None));

        var result = await trainer.RunAsync(data, cancellationToken).ConfigureAwait(false);
        if (result.Cancelled)
        {
            // Shutdown: save what we have so the next delivery continues from here. The job's token is already
            // cancelled; these writes are bounded by the runner's finalize timeout.
            await writer.WriteCheckpointAsync(trainer, history, CancellationToken.None).ConfigureAwait(false);
            return JobOutcome.Snooze($"stopped at step {trainer.Step} of {trainerOptions.Steps}; checkpoint {CheckpointPointer.FileName(trainer.Step)} written");
        }
        if (trainerOptions.CheckpointEvery == 0 || trainer.Step % trainerOptions.CheckpointEvery != 0)
            await Tolerant($"the checkpoint at step {trainer.Step}", () => writer.WriteCheckpointAsync(trainer, history, cancellationToken)).ConfigureAwait(false);
        await Tolerant("the final model", () => writer.WriteFinalModelAsync(trainer, args.ExportEqx, cancellationToken)).ConfigureAwait(false);
        TrainJobLog.Finished(context.Logger, trainer.Step, result.LastLoss, run.Model);
        return JobOutcome.Completed;
    }

    /// <summary>
    /// A resumed run continues exactly: the architecture comes from the checkpoint, and with its optimiser state so do
    /// the optimiser settings, the seed and the time sampling. A param given with another value would be silently
    /// ignored, so it is refused naming the param and the checkpoint's value (steps, checkpoint_every and log_every
    /// may change).
    /// </summary>
    private static void RefuseConflicts(JobParams given, TrainJobArgs args, Checkpoint resume)
    {
        var saved = resume.Header;
        var checks = new List<(string Param, object Given, object Saved)>
        {
            ("width", args.Model.Width, saved.Model.Width),
            ("blocks", args.Model.Blocks, saved.Model.Blocks),
            ("mlp_width", args.Model.TokenMlpWidth, saved.Model.TokenMlpWidth),
            ("transform", args.Transform, saved.Transform.Name),
            ("architecture", args.Model.Architecture, saved.Model.Architecture),
            ("nf", args.Model.Nf, saved.Model.Nf),
            ("ch_mult", args.Model.ChannelMultipliers, saved.Model.ChannelMultipliers),
            ("res_blocks", args.Model.ResBlocks, saved.Model.ResBlocks),
            ("attn_resolution", args.Model.AttentionResolution, saved.Model.AttentionResolution),
        };
        if (saved.Trainer is { } trainer && resume.OptimizerState.Length > 0)
        {
            checks.Add(("batch", args.Trainer.BatchSize, trainer.BatchSize));
            checks.Add(("lr", args.Trainer.LearningRate, trainer.LearningRate));
            checks.Add(("optimizer", args.Trainer.Optimizer, trainer.Optimizer));
            checks.Add(("seed", args.Trainer.Seed, trainer.Seed));
            checks.Add(("time_sampling", args.Trainer.TimeSampling, trainer.TimeSampling));
            checks.Add(("ema", args.Trainer.EmaDecay, trainer.EmaDecay));
            checks.Add(("warmup", args.Trainer.WarmupSteps, trainer.WarmupSteps));
            checks.Add(("grad_clip", args.Trainer.GradientClipNorm, trainer.GradientClipNorm));
            checks.Add(("precision", args.Trainer.PrecisionName, trainer.PrecisionName));
        }
        foreach (var (param, value, kept) in checks)
        {
            if (!given.Has(param) || Equals(value, kept)) continue;
            throw new JobValidationException($"params.{param}", string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"is {value} but {resume.Source} was trained with params.{param} {kept}, and a resumed run continues exactly; leave params.{param} out (steps, checkpoint_every and log_every may change), or start a new run"));
        }
    }

    /// <summary>
    /// Where to continue from: this job's own checkpoints/latest.json (a redelivery after a crash or shutdown) wins;
    /// otherwise the checkpoint named by "model", if any.
    /// </summary>
    private static async Task<(Checkpoint? Checkpoint, bool FromLatest)> FindResumePointAsync(
        IArtifactStore store, TrainJobArgs args, TrainingRunPaths run, CancellationToken cancellationToken)
    {
        if (await store.GetInfoAsync(run.Latest, cancellationToken).ConfigureAwait(false) is not null)
        {
            var pointerBytes = await store.ReadAsync(run.Latest, cancellationToken).ConfigureAwait(false);
            CheckpointPointer pointer;
            try
            {
                pointer = CheckpointPointer.Parse(pointerBytes.ToString(), run.Latest);
            }
            catch (InvalidDataException e)
            {
                throw new JobValidationException(run.Latest, e.Message);
            }
            return (await LoadCheckpointAsync(store, run.Checkpoint(pointer.Step), run.Latest, cancellationToken).ConfigureAwait(false), true);
        }
        if (args.ResumeFrom is null) return (null, false);
        return (await LoadCheckpointAsync(store, args.ResumeFrom, "model", cancellationToken).ConfigureAwait(false), false);
    }

    private static async Task<Checkpoint> LoadCheckpointAsync(IArtifactStore store, string path, string field, CancellationToken cancellationToken)
    {
        var bytes = await JobResources.ReadRequiredAsync(store, path, field, cancellationToken).ConfigureAwait(false);
        try
        {
            using var stream = bytes.ToStream();
            return Checkpoint.Load(stream, path);
        }
        catch (InvalidDataException e)
        {
            throw new JobValidationException(field, e.Message);
        }
    }

    /// <summary>Every cutout under "input" as [N x 1 x S x S] in data space; a bad file is a validation error naming it.</summary>
    private static async Task<Tensor> LoadImagesAsync(JobContext context, TrainJobArgs args, int size, CancellationToken cancellationToken)
    {
        var files = await JobInputs.ListCutoutFilesAsync(context.Store, args.Input, args.Output, cancellationToken).ConfigureAwait(false);
        var cutouts = await JobInputs.ReadAllCutoutsAsync(context, files, (done, count) =>
            context.Progress.Report(new JobProgress(0, args.Trainer.Steps, "steps", $"read {done} of {files.Count} input files ({count} cutouts)")),
            cancellationToken).ConfigureAwait(false);
        try
        {
            return TrainingImages.Stack(cutouts, size);
        }
        catch (ArgumentException e)
        {
            throw new JobValidationException("input", e.Message);
        }
    }

    private static Tensor ToModelSpace(IDataTransform transform, Tensor images, string input)
    {
        try
        {
            return transform.Forward(images);
        }
        catch (ArgumentException e)
        {
            throw new JobValidationException("input", $"{input}: {e.Message}");
        }
    }

    /// <summary>loss.csv of an earlier attempt, cut back to the step we resume from; empty for a new run.</summary>
    private static async Task<LossHistory> ReadHistoryAsync(IArtifactStore store, TrainingRunPaths run, bool resumed, long step, CancellationToken cancellationToken)
    {
        if (!resumed || step == 0 || await store.GetInfoAsync(run.LossCsv, cancellationToken).ConfigureAwait(false) is null)
            return new LossHistory();
        var csv = await store.ReadAsync(run.LossCsv, cancellationToken).ConfigureAwait(false);
        var history = LossHistory.Parse(csv.ToString(), run.LossCsv);
        history.TruncateAfter(step);
        return history;
    }

    /// <summary>Turns trainer reports into job progress (status.json and the runner's log line).</summary>
    private sealed class Progress(JobContext context) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => context.Progress.Report(new JobProgress(
            value.Step, value.TotalSteps, "steps", value.ToString(),
            new Dictionary<string, double> { ["loss"] = value.Loss, ["images_per_second"] = value.ImagesPerSecond }));
    }

    /// <summary>"CPU (N threads)": the intra-op threads the run got (<see cref="CpuThreads"/>).</summary>
    private static string CpuDeviceName(int threads) => threads == 1 ? "CPU (1 thread)" : $"CPU ({threads} threads)";
}
