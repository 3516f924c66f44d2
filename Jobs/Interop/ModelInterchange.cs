using ScoreBatch.Jobs.Diffusion;
using ScoreBatch.Jobs.Model;
using ScoreBatch.Jobs.Training;
using ScoreBatch.Jobs.Transforms;
using ScoreBatch.Storage.Formats;

namespace ScoreBatch.Jobs.Interop;

/// <summary>Formats a checkpoint can be exported to.</summary>
public enum ExportFormat
{
    /// <summary>galaxygrad/equinox leaf file (mixer only), read by galaxygrad's loader and scarlet2's ScorePrior.</summary>
    Eqx,

    /// <summary>PyTorch state dict (torch.save format) for torch.load + load_state_dict.</summary>
    PyTorch,

    /// <summary>ONNX model (opset 17) of the network's forward pass: inputs y [N x 1 x H x W] and c [N], output score (mixer only).</summary>
    Onnx,
}

/// <summary>
/// What the <c>scorebatch import-eqx</c> and <c>scorebatch export</c> verbs do, usable from a job as well:
/// released galaxygrad priors become normal checkpoints (mixer, VP beta = 1, model space y = ln(1 + x) / 0.1), and
/// checkpoints leave as .eqx or PyTorch files.
/// </summary>
public static class ModelInterchange
{
    /// <summary>
    /// A model-only checkpoint from an .eqx file. The image size follows from the weights (P tokens of patch²);
    /// when <paramref name="imageSize"/> is given it must agree.
    /// </summary>
    public static Checkpoint ImportEqx(ReadOnlySpan<byte> eqx, string source, int? imageSize = null, TimeProvider? time = null)
    {
        var leaves = EqxLeaves.Read(eqx, source);
        using var model = EqxMixerConverter.Import(leaves, source, imageSize);
        // The released priors were trained in y = ln(1 + x) / 0.1 (SCIENCE.md 4) with the VP process, beta 1, T = t1.
        return Checkpoint.FromModel(model, new Log1pTransform(), time: time, process: NoiseProcesses.Vp10(EqxMixerLayout.ReadT1(leaves, source)));
    }

    /// <summary>
    /// Loads a model file named by a job: a ScoreBatch checkpoint, or (name ending in ".eqx") a galaxygrad/equinox
    /// prior imported on the fly, so that score jobs can name either.
    /// </summary>
    public static Checkpoint LoadModel(ReadOnlySpan<byte> bytes, string name, TimeProvider? time = null)
    {
        if (name.EndsWith(".eqx", StringComparison.OrdinalIgnoreCase))
            return ImportEqx(bytes, name, imageSize: null, time);
        using var stream = new MemoryStream(bytes.ToArray(), writable: false);
        return Checkpoint.Load(stream, name);
    }

    /// <summary>Writes <paramref name="checkpoint"/>'s model in <paramref name="format"/>.</summary>
    public static void Export(Checkpoint checkpoint, ExportFormat format, Stream output)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        using var model = checkpoint.CreateModel();
        switch (format)
        {
            case ExportFormat.Eqx:
                if (model is not MixerScoreNet mixer)
                    throw new ArgumentException($"{checkpoint.Source}: galaxygrad's .eqx format holds only the '{ScoreNetArchitectures.Mixer}' architecture, this checkpoint holds '{checkpoint.Header.Architecture}'; export it as a PyTorch state dict (--format pytorch) instead", nameof(checkpoint));
                EqxMixerConverter.Export(mixer, output, EqxT1(checkpoint));
                break;
            case ExportFormat.PyTorch:
                PyTorchExporter.Export(model, output);
                break;
            case ExportFormat.Onnx:
                if (!model.HasOnnxGraph)
                    throw new ArgumentException($"{checkpoint.Source}: the '{checkpoint.Header.Architecture}' architecture has no ONNX graph (the '{ScoreNetArchitectures.Mixer}' has); export it as a PyTorch state dict (--format pytorch) instead", nameof(checkpoint));
                output.Write(Model.Onnx.OnnxScoreNet.Export(model));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, "unknown export format");
        }
    }

    /// <summary>The t1 leaf of an .eqx export: galaxygrad's mixers assume VP with beta = 1 and store only T.</summary>
    public static double EqxT1(Checkpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var process = checkpoint.Header.ProcessOrDefault;
        if (process.Name != NoiseProcesses.Vp || !process.Parameters.TryGetValue("beta", out var beta) || beta != 1.0 || !process.Parameters.TryGetValue("T", out var t))
            throw new ArgumentException($"{checkpoint.Source}: an .eqx file can only hold a prior trained under vp(beta=1, T=...), this one used {process}", nameof(checkpoint));
        return t;
    }

    /// <summary>Parses a --format value ("eqx", "pytorch"; case-insensitive), naming the accepted values on error.</summary>
    public static ExportFormat ParseFormat(string value) => value.ToLowerInvariant() switch
    {
        "eqx" => ExportFormat.Eqx,
        "pytorch" or "torch" or "pt" => ExportFormat.PyTorch,
        "onnx" => ExportFormat.Onnx,
        _ => throw new ArgumentException($"--format: unknown export format '{value}' (accepted: eqx, pytorch, onnx)"),
    };
}
