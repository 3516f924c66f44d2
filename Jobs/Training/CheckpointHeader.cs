using System.Text.Json.Serialization;
using ScoreBatch.Jobs.Diffusion;
using ScoreBatch.Jobs.Model;
using ScoreBatch.Jobs.Transforms;

namespace ScoreBatch.Jobs.Training;

/// <summary>
/// The JSON header that makes a checkpoint self-describing: what network (options, architecture and version), in
/// which data space (transform), how far training got (step, data position, generator state, loss tail), and the
/// sizes and SHA-256 of the binary payload that follows (model weights, then optimiser state, then the EMA state).
/// </summary>
public sealed record CheckpointHeader
{
    public const string FormatName = "scorebatch-checkpoint";
    public const int CurrentFormatVersion = 1;

    public string Format { get; init; } = FormatName;
    public int FormatVersion { get; init; } = CurrentFormatVersion;
    public required string Architecture { get; init; }
    public required int ArchitectureVersion { get; init; }
    public required ScoreNetOptions Model { get; init; }
    public required DataTransformSpec Transform { get; init; }

    /// <summary>The noise process the network was trained under; null in checkpoints written before it was
    /// recorded, which (like imported .eqx priors) mean VP, beta 1, T 10: read it through <see cref="ProcessOrDefault"/>.</summary>
    public NoiseProcessSpec? Process { get; init; }

    /// <summary><see cref="Process"/>, or <see cref="NoiseProcesses.Default"/> when the checkpoint predates it.</summary>
    [JsonIgnore]
    public NoiseProcessSpec ProcessOrDefault => Process ?? NoiseProcesses.Default;
    public required long ParameterCount { get; init; }

    /// <summary>The trainer's recipe; null for a model saved outside training.</summary>
    public TrainerOptions? Trainer { get; init; }
    public long Step { get; init; }
    public long DataEpoch { get; init; }
    public long DataOffset { get; init; }

    /// <summary>Base64 of the CPU torch generator state (times and noise).</summary>
    public string? NoiseGeneratorState { get; init; }

    /// <summary>Name of the optimiser whose state follows the weights; null when there is none.</summary>
    public string? Optimizer { get; init; }
    public IReadOnlyList<double> LossTail { get; init; } = [];
    public DateTimeOffset CreatedUtc { get; init; }
    public long ModelBytes { get; init; }
    public long OptimizerBytes { get; init; }

    /// <summary>Bytes of the EMA state that follows the optimiser state (0: none; checkpoints before EMA have none).</summary>
    public long EmaBytes { get; init; }

    /// <summary>Decay of the weights' moving average the checkpoint carries; null when it carries none.</summary>
    public double? EmaDecay { get; init; }
    public string PayloadSha256 { get; init; } = "";
}

[JsonSerializable(typeof(CheckpointHeader))]
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    IgnoreReadOnlyProperties = true)]
internal sealed partial class CheckpointJsonContext : JsonSerializerContext;
