using Microsoft.ML.OnnxRuntime;
using TensorElementType = Microsoft.ML.OnnxRuntime.Tensors.TensorElementType;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Model.Onnx;

/// <summary>
/// A score network's forward pass exported to ONNX (<see cref="ScoreNet.BuildOnnx"/>) and run by ONNX Runtime on the
/// CPU: its kernels (MLAS) pick their instruction set from the CPU's features, AVX-512 included, where libtorch's
/// bundled MKL takes its AVX2 path on AMD CPUs. Inference only: the weights are copied when it is built, and no
/// gradient flows through it. <see cref="Forward"/> reads and writes torch tensors in place (no copies) and may be
/// called from several threads at once (ONNX Runtime sessions are thread-safe), which the scoring lanes do.
/// </summary>
public sealed class OnnxScoreNet : IDisposable
{
    private const string YName = "y";
    private const string CName = "c";
    private const string OutputName = "score";

    private readonly InferenceSession _session;
    private readonly long[] _imageShape; // [C, H, W]

    private OnnxScoreNet(InferenceSession session, long[] imageShape)
    {
        _session = session;
        _imageShape = imageShape;
    }

    /// <summary>The ONNX model of <paramref name="network"/> with its current weights: inputs y [N x C x H x W] and c [N]
    /// (the network's conditioning), output score [N x C x H x W], all float32 with a symbolic batch axis.</summary>
    public static byte[] Export(ScoreNet network)
    {
        ArgumentNullException.ThrowIfNull(network);
        var o = network.Options;
        var graph = new OnnxGraph();
        var y = graph.Input(YName, -1, o.Channels, o.ImageSize, o.ImageSize);
        var c = graph.Input(CName, -1);
        string output;
        using (no_grad()) output = network.BuildOnnx(graph, y, c);
        graph.Output(graph.Node("Identity", [output], name: OutputName), -1, o.Channels, o.ImageSize, o.ImageSize);
        var version = typeof(OnnxScoreNet).Assembly.GetName().Version?.ToString() ?? "0";
        return graph.ToModel($"{o.Architecture}-{o.ImageSize}", version);
    }

    /// <summary>
    /// An ONNX Runtime session for <paramref name="network"/> with <paramref name="intraOpThreads"/> threads per call
    /// (1 runs each call on its caller's thread: what the scoring lanes want). Throws <see cref="NotSupportedException"/>
    /// for an architecture without an ONNX graph.
    /// </summary>
    public static OnnxScoreNet Create(ScoreNet network, int intraOpThreads)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentOutOfRangeException.ThrowIfLessThan(intraOpThreads, 1);
        var model = Export(network);
        using var options = new SessionOptions
        {
            IntraOpNumThreads = intraOpThreads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        var o = network.Options;
        return new OnnxScoreNet(new InferenceSession(model, options), [o.Channels, o.ImageSize, o.ImageSize]);
    }

    /// <summary>
    /// The network's output for <paramref name="y"/> [N x C x H x W] and conditioning <paramref name="c"/> [N], both on the
    /// CPU, as a new float32 tensor [N x C x H x W] in the caller's dispose scope.
    /// </summary>
    public Tensor Forward(Tensor y, Tensor c)
    {
        ArgumentNullException.ThrowIfNull(y);
        ArgumentNullException.ThrowIfNull(c);
        var n = y.shape[0];
        if (y.dim() != 4 || y.shape[1] != _imageShape[0] || y.shape[2] != _imageShape[1] || y.shape[3] != _imageShape[2])
            throw new ArgumentException($"the ONNX score network expects y of shape [N x {string.Join(" x ", _imageShape)}], got [{string.Join(" x ", y.shape)}]", nameof(y));
        if (c.dim() != 1 || c.shape[0] != n)
            throw new ArgumentException($"the ONNX score network expects c of shape [{n}], got [{string.Join(" x ", c.shape)}]", nameof(c));
        if (y.device_type != TorchSharp.DeviceType.CPU || c.device_type != TorchSharp.DeviceType.CPU)
            throw new ArgumentException($"the ONNX score network runs on the CPU; got tensors on {y.device} and {c.device}");
        var output = empty(y.shape, float32); // device: the CPU, checked above
        using var yIn = y.to(float32).contiguous();
        using var cIn = c.to(float32).contiguous();
        unsafe
        {
            // Tensor.bytes spans the tensor's own (contiguous, CPU) storage: ONNX Runtime reads and writes it directly.
            fixed (byte* yData = yIn.bytes, cData = cIn.bytes, outData = output.bytes)
            {
                using var yValue = OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, TensorElementType.Float, yIn.shape, (IntPtr)yData, yIn.bytes.Length);
                using var cValue = OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, TensorElementType.Float, cIn.shape, (IntPtr)cData, cIn.bytes.Length);
                using var outValue = OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, TensorElementType.Float, output.shape, (IntPtr)outData, output.bytes.Length);
                using var run = new RunOptions();
                _session.Run(run, [YName, CName], [yValue, cValue], [OutputName], [outValue]);
            }
        }
        return y.dtype == float32 ? output : output.to(y.dtype);
    }

    public void Dispose() => _session.Dispose();
}
