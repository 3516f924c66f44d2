using ScoreBatch.Jobs.Model;
using ScoreBatch.Jobs.Model.Onnx;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Scoring;

/// <summary>
/// Which engine runs a scoring model's forward passes (params.runtime, `--runtime`): libtorch through TorchSharp, or
/// the network exported to ONNX and run by ONNX Runtime (<see cref="OnnxScoreNet"/>; about twice libtorch's speed
/// on the CPU, where its kernels use AVX-512 and libtorch's MKL does not). "auto", the default, takes ONNX Runtime for
/// fp32 scoring on the CPU of an architecture that has an ONNX graph (the mixer) and libtorch otherwise. Gradients
/// (likelihood, training, sampling's corrector) always go through libtorch.
/// </summary>
public static class ScoringRuntime
{
    public const string Auto = "auto";
    public const string Torch = "torch";
    public const string Onnx = "onnx";

    /// <summary>Values accepted by params.runtime and --runtime.</summary>
    public static IReadOnlyList<string> Names { get; } = [Auto, Torch, Onnx];

    /// <summary>
    /// The engine <paramref name="requested"/> means for <paramref name="network"/> on <paramref name="device"/>
    /// (<paramref name="lowPrecision"/>: a bf16 path is asked for, which only libtorch has). An explicit "onnx" that
    /// cannot run throws <see cref="ArgumentException"/> saying why; "auto" falls back to libtorch instead.
    /// </summary>
    public static string Resolve(string requested, ScoreNet network, Device device, bool lowPrecision)
    {
        ArgumentNullException.ThrowIfNull(requested);
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(device);
        if (!Names.Contains(requested))
            throw new ArgumentException($"unknown runtime '{requested}' (accepted: {string.Join(", ", Names)})");
        if (requested == Torch) return Torch;
        string? obstacle = device.type != TorchSharp.DeviceType.CPU ? $"ONNX Runtime runs here on the CPU only, the job's device is {device.type.ToString().ToLowerInvariant()}"
            : lowPrecision ? "ONNX Runtime runs the network in fp32 only; precision bf16 needs runtime torch"
            : !network.HasOnnxGraph ? $"the {network.Options.Architecture} network has no ONNX graph (the {ScoreNetArchitectures.Mixer} has); use runtime torch"
            : null;
        if (obstacle is null) return Onnx;
        if (requested == Onnx) throw new ArgumentException(obstacle);
        return Torch;
    }
}
