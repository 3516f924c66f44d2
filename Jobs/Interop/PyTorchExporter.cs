using ScoreBatch.Jobs.Model;
using TorchSharp.PyBridge;

namespace ScoreBatch.Jobs.Interop;

/// <summary>
/// Writes a ScoreNet's weights as a PyTorch state dict (torch.save's zip format, through TorchSharp.PyBridge), which
/// <c>torch.load</c> reads (PyTorch 1.13 and later) and <c>load_state_dict(strict=True)</c> accepts on a module with
/// the same field names. Keys are the TorchSharp field paths, and tensors keep PyTorch's layouts (ConvTranspose2d
/// weight [in x out x k x k]), so no renaming or flipping is needed; docs/formats.md lists the keys.
/// </summary>
public static class PyTorchExporter
{
    /// <summary>Writes the state dict of <paramref name="model"/>, which must be on the CPU (as checkpoints load).</summary>
    public static void Export(ScoreNet model, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        if (model.parameters().FirstOrDefault(p => p.device_type != TorchSharp.DeviceType.CPU) is { } onDevice)
            throw new ArgumentException($"export needs the model on the CPU, a parameter is on {onDevice.device}", nameof(model));
        model.save_py(stream, leaveOpen: true);
    }

    /// <summary>The state-dict keys and shapes that <see cref="Export"/> writes, in order.</summary>
    public static IReadOnlyList<(string Key, long[] Shape)> Keys(ScoreNet model) =>
        model.state_dict().Select(kv => (kv.Key, kv.Value.shape)).ToList();
}
