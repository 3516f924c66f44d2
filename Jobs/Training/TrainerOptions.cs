namespace ScoreBatch.Jobs.Training;

/// <summary>Training recipe (SCIENCE.md 3). Defaults are the released priors' recipe except the number of steps.</summary>
public sealed record TrainerOptions
{
    /// <summary>Total optimiser steps. The original ran 2,000,000 at batch 256; 10,000 gives a usable CPU model at 32².</summary>
    public long Steps { get; init; } = 10_000;

    /// <summary>Images per step: 256 as in the original. The last partial batch of an epoch is dropped.</summary>
    public int BatchSize { get; init; } = 256;

    /// <summary>Constant learning rate: 3e-4 (no warm-up, no decay).</summary>
    public double LearningRate { get; init; } = 3e-4;

    /// <summary>Optimiser name (<see cref="OptimizerNames"/>): AdaBelief, as in the original.</summary>
    public string Optimizer { get; init; } = OptimizerNames.AdaBelief;

    /// <summary>Seeds the noise generator and the per-epoch data permutations.</summary>
    public long Seed { get; init; }

    /// <summary>Checkpoint callback every K steps (0 = never; the original used 50,000).</summary>
    public long CheckpointEvery { get; init; } = 1_000;

    /// <summary>Progress report every L steps; the reported loss is the mean over those L steps.</summary>
    public int LogEvery { get; init; } = 50;

    /// <summary>
    /// How diffusion times are drawn (<see cref="Diffusion.TimeSampling"/>): "uniform" (the released recipe; the default
    /// here because a checkpoint without the field was trained so), "log_uniform" (what train jobs and `scorebatch train`
    /// use for new runs) or "log_uniform_weighted".
    /// </summary>
    public string TimeSampling { get; init; } = Diffusion.TimeSampling.Uniform;

    /// <summary>
    /// Decay of the exponential moving average of the weights (<see cref="ExponentialMovingAverage"/>); 0 (the default
    /// here and for the mixer) keeps none. The ncsnpp recipe uses 0.999, and scoring then uses the averaged weights.
    /// </summary>
    public double EmaDecay { get; init; }

    /// <summary>Linear learning-rate warm-up over the first W steps (step k runs at lr·min(1, k/W)); 0 (the default) has none. ncsnpp: 5,000.</summary>
    public long WarmupSteps { get; init; }

    /// <summary>Clips the global gradient norm to this value before each step (<see cref="GradientClipping"/>); 0 (the default) does not clip. ncsnpp: 1.0.</summary>
    public double GradientClipNorm { get; init; }

    /// <summary>
    /// Precision of the network's products in training: "fp32" (the default; null in checkpoints written before it was
    /// recorded means the same) or "bf16", mixed precision (<see cref="Model.ScoreNet.UseTrainingMatmulPrecision"/>:
    /// the mixer's MLP products in bfloat16 from fp32 parameters; checked against fp32 on the Gaussian closed form).
    /// </summary>
    public string? Precision { get; init; } = Fp32;

    /// <summary><see cref="Precision"/>, with a checkpoint's absent record read as fp32 (not serialised: derived).</summary>
    public string PrecisionName => Precision ?? Fp32;

    public const string Fp32 = "fp32";
    public const string Bf16 = "bf16";

    /// <summary>Values accepted by <see cref="Precision"/>.</summary>
    public static IReadOnlyList<string> PrecisionNames { get; } = [Fp32, Bf16];

    /// <summary>How many of the most recent per-step losses a checkpoint keeps.</summary>
    public int LossHistoryTail { get; init; } = 1_000;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option and its value.</summary>
    public TrainerOptions Validate()
    {
        if (Steps <= 0) throw new ArgumentException($"TrainerOptions.Steps must be positive, got {Steps}");
        if (BatchSize <= 0) throw new ArgumentException($"TrainerOptions.BatchSize must be positive, got {BatchSize}");
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate))
            throw new ArgumentException($"TrainerOptions.LearningRate must be positive, got {LearningRate}");
        if (!OptimizerNames.All.Contains(Optimizer))
            throw new ArgumentException($"TrainerOptions.Optimizer must be one of {string.Join(", ", OptimizerNames.All)}, got '{Optimizer}'");
        if (CheckpointEvery < 0) throw new ArgumentException($"TrainerOptions.CheckpointEvery must be >= 0, got {CheckpointEvery}");
        if (LogEvery <= 0) throw new ArgumentException($"TrainerOptions.LogEvery must be positive, got {LogEvery}");
        if (!Diffusion.TimeSampling.Names.Contains(TimeSampling))
            throw new ArgumentException($"TrainerOptions.TimeSampling must be one of {string.Join(", ", Diffusion.TimeSampling.Names)}, got '{TimeSampling}'");
        if (!(EmaDecay == 0 || (EmaDecay > 0 && EmaDecay < 1)))
            throw new ArgumentException($"TrainerOptions.EmaDecay must be 0 (off) or in (0, 1), got {EmaDecay}");
        if (WarmupSteps < 0) throw new ArgumentException($"TrainerOptions.WarmupSteps must be >= 0, got {WarmupSteps}");
        if (!(GradientClipNorm >= 0) || !double.IsFinite(GradientClipNorm))
            throw new ArgumentException($"TrainerOptions.GradientClipNorm must be 0 (off) or positive, got {GradientClipNorm}");
        if (Precision is not null && !PrecisionNames.Contains(Precision))
            throw new ArgumentException($"TrainerOptions.Precision must be one of {string.Join(", ", PrecisionNames)}, got '{Precision}'");
        if (LossHistoryTail < 0) throw new ArgumentException($"TrainerOptions.LossHistoryTail must be >= 0, got {LossHistoryTail}");
        return this;
    }
}
