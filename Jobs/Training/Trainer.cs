using ScoreBatch.Jobs.Diffusion;
using ScoreBatch.Jobs.Model;
using ScoreBatch.Jobs.Runtime;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Training;

/// <summary>
/// Denoising score matching training (SCIENCE.md 3) of a <see cref="ScoreNet"/>: stratified times, per-epoch
/// permutations, optimiser with optional linear warm-up and gradient-norm clipping, an optional EMA of the weights,
/// progress reports and periodic checkpoint callbacks. Exactly resumable:
/// a run restored from a checkpoint taken at step k continues with bit-identical losses (same device and threads).
/// Randomness: one CPU generator (seeded by <see cref="TrainerOptions.Seed"/>) draws times and noise; the data
/// order comes from <see cref="EpochOrder"/>. Both positions are part of a checkpoint.
/// </summary>
public sealed class Trainer : IDisposable
{
    private readonly DenoisingScoreMatchingLoss loss;
    private readonly StratifiedTimeSampler times;
    private readonly Generator noise;
    private readonly TimeProvider time;
    private readonly List<double> lossTail = [];
    private EpochOrder? order;
    private long restoredEpoch;
    private long restoredOffset;

    /// <summary>
    /// <paramref name="model"/> must already be on <paramref name="device"/>; the optimiser is built over its
    /// parameters. <paramref name="process"/> is the noise process it is trained under (recorded in its checkpoints);
    /// the network is conditioned through <see cref="ScorePrior.Conditioning"/>.
    /// </summary>
    public Trainer(ScoreNet model, INoiseProcess process, TrainerOptions options, Device? device = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(process);
        ArgumentNullException.ThrowIfNull(options);
        Options = options.Validate();
        Model = model;
        Process = process;
        Device = device ?? CPU;
        time = timeProvider ?? TimeProvider.System;
        loss = new DenoisingScoreMatchingLoss(process);
        times = StratifiedTimeSampler.For(process, options.TimeSampling);
        noise = new Generator(unchecked((ulong)options.Seed));
        try
        {
            model.UseTrainingMatmulPrecision(options.PrecisionName == TrainerOptions.Bf16 ? ScalarType.BFloat16 : null);
        }
        catch (NotSupportedException e)
        {
            throw new ArgumentException($"TrainerOptions.Precision {options.Precision}: {e.Message}", e);
        }
        Optimizer = OptimizerNames.Create(options.Optimizer, model, options.LearningRate);
        if (options.EmaDecay > 0) Ema = new ExponentialMovingAverage(model.parameters(), options.EmaDecay);
    }

    /// <summary>The moving average of the weights; null when <see cref="TrainerOptions.EmaDecay"/> is 0.</summary>
    public ExponentialMovingAverage? Ema { get; }

    public ScoreNet Model { get; }
    public INoiseProcess Process { get; }
    public TrainerOptions Options { get; }
    public Device Device { get; }
    public IScoreOptimizer Optimizer { get; }

    /// <summary>Optimiser steps completed.</summary>
    public long Step { get; private set; }

    /// <summary>Data position: current epoch and images of it already used.</summary>
    public long DataEpoch => order?.Epoch ?? restoredEpoch;

    public long DataOffset => order?.Offset ?? restoredOffset;

    /// <summary>The most recent per-step losses (at most <see cref="TrainerOptions.LossHistoryTail"/>), the last at <see cref="Step"/>.</summary>
    public IReadOnlyList<double> LossTail => lossTail;

    /// <summary>Receives a report every <see cref="TrainerOptions.LogEvery"/> steps and at the last step.</summary>
    public IProgress<TrainingProgress>? Progress { get; set; }

    /// <summary>Called (and awaited) after every <see cref="TrainerOptions.CheckpointEvery"/>-th step; capture with <see cref="Checkpoint.Capture"/>.</summary>
    public Func<Trainer, CancellationToken, Task>? CheckpointDue { get; set; }

    /// <summary>Called after every step with (step, loss); the CLI writes loss.csv from it.</summary>
    public Action<long, double>? StepCompleted { get; set; }

    /// <summary>Generator state (times and noise), for checkpoints.</summary>
    public byte[] NoiseGeneratorState()
    {
        using var state = noise.get_state();
        return state.data<byte>().ToArray();
    }

    /// <summary>
    /// Trains until <see cref="TrainerOptions.Steps"/> or until <paramref name="cancellationToken"/> fires; the
    /// token is checked between steps, so a cancelled run stops at a consistent state the caller can checkpoint.
    /// </summary>
    public async Task<TrainingResult> RunAsync(ITrainingData data, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.ImageSize != Model.Options.ImageSize)
            throw new ArgumentException($"training images are {data.ImageSize}², the model expects {Model.Options.ImageSize}²");
        order ??= new EpochOrder(Options.Seed, data.Count, Options.BatchSize, restoredEpoch, restoredOffset);
        Model.train();
        var windowStart = time.GetTimestamp();
        var runStart = windowStart;
        var runStartStep = Step;
        double windowSum = 0;
        var windowSteps = 0;
        double last = double.NaN;
        while (Step < Options.Steps)
        {
            if (cancellationToken.IsCancellationRequested) return new TrainingResult(Step, true, last);
            last = TrainStep(data);
            Step++;
            JobMetrics.TrainingImages.Add(Options.BatchSize);
            Remember(last);
            StepCompleted?.Invoke(Step, last);
            windowSum += last;
            windowSteps++;
            if (Step % Options.LogEvery == 0 || Step == Options.Steps)
            {
                var now = time.GetTimestamp();
                var window = time.GetElapsedTime(windowStart, now).TotalSeconds;
                var total = time.GetElapsedTime(runStart, now).TotalSeconds;
                var rate = window > 0 ? windowSteps * (double)Options.BatchSize / window : 0;
                var stepsPerSecond = total > 0 ? (Step - runStartStep) / total : 0;
                var eta = stepsPerSecond > 0 ? TimeSpan.FromSeconds((Options.Steps - Step) / stepsPerSecond) : TimeSpan.Zero;
                Progress?.Report(new TrainingProgress(Step, Options.Steps, windowSum / windowSteps, rate, eta, DataEpoch));
                windowStart = now;
                windowSum = 0;
                windowSteps = 0;
            }
            if (Options.CheckpointEvery > 0 && Step % Options.CheckpointEvery == 0 && CheckpointDue is not null)
                await CheckpointDue(this, cancellationToken).ConfigureAwait(false);
        }
        return new TrainingResult(Step, false, last);
    }

    /// <summary>
    /// Continues from <paramref name="checkpoint"/>: weights, optimiser state, step, data position, generator
    /// state and loss history. The checkpoint must describe this trainer's model and optimiser exactly.
    /// </summary>
    public void Restore(Checkpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        if (order is not null) throw new InvalidOperationException("Restore must come before the first RunAsync");
        var header = checkpoint.Header;
        checkpoint.EnsureMatches(Model.Options);
        if (header.ProcessOrDefault != Process.Spec)
            throw new InvalidDataException($"{checkpoint.Source}: was trained under noise process {header.ProcessOrDefault}, this run uses {Process.Spec}");
        if (header.Optimizer != Optimizer.Name || checkpoint.OptimizerState.Length == 0)
            throw new InvalidDataException(
                $"{checkpoint.Source}: holds optimiser state '{header.Optimizer ?? "none"}', this run uses '{Optimizer.Name}'");
        checkpoint.LoadWeightsInto(Model);
        if (Ema is not null)
        {
            // A checkpoint without an average (written before EMA was on) starts it from the restored weights.
            if (checkpoint.EmaState.Length > 0)
            {
                using var emaReader = new BinaryReader(new MemoryStream(checkpoint.EmaState, writable: false));
                Ema.LoadState(emaReader);
            }
            else
            {
                using var noGrad = no_grad();
                foreach (var (average, parameter) in Ema.Averages.Zip(Model.parameters())) average.copy_(parameter);
            }
        }
        using (var reader = new BinaryReader(new MemoryStream(checkpoint.OptimizerState, writable: false)))
            Optimizer.LoadState(reader);
        if (header.NoiseGeneratorState is { Length: > 0 } state)
        {
            using var stateTensor = tensor(Convert.FromBase64String(state), ScalarType.Byte); // device: CPU, the state of a CPU generator
            noise.set_state(stateTensor);
        }
        Step = header.Step;
        restoredEpoch = header.DataEpoch;
        restoredOffset = header.DataOffset;
        lossTail.Clear();
        lossTail.AddRange(header.LossTail);
    }

    private double TrainStep(ITrainingData data)
    {
        using var scope = NewDisposeScope();
        var indices = order!.Next();
        var y0 = data.ReadBatch(indices).to(Device);                       // [B x 1 x N x N]
        var t = times.Sample(Options.BatchSize, noise).to(Device);          // [B]
        var value = loss.Compute((y, tt) => Model.forward(y, ScorePrior.Conditioning(Model, Process, tt)), y0, t, noise, times.Weights(t));
        Optimizer.ZeroGrad();
        value.backward();
        if (Options.GradientClipNorm > 0) GradientClipping.ClipByTotalNorm(Model.parameters(), Options.GradientClipNorm);
        // Warm-up: step k (1-based) runs at lr·min(1, k/W).
        if (Options.WarmupSteps > 0) Optimizer.LearningRateScale = Math.Min(1.0, (Step + 1.0) / Options.WarmupSteps);
        Optimizer.Step();
        Ema?.Update();
        return value.to(ScalarType.Float64).item<double>();                 // device sync point
    }

    private void Remember(double value)
    {
        if (Options.LossHistoryTail == 0) return;
        if (lossTail.Count == Options.LossHistoryTail) lossTail.RemoveAt(0);
        lossTail.Add(value);
    }

    public void Dispose()
    {
        if (Options.PrecisionName == TrainerOptions.Bf16) Model.UseTrainingMatmulPrecision(null); // the trained network scores in fp32
        Ema?.Dispose();
        Optimizer.Dispose();
        noise.Dispose();
    }
}
