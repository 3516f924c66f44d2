using TorchSharp;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Training;

/// <summary>Training data held as one float32 tensor [N x 1 x H x W] on the CPU (H = W).</summary>
public sealed class InMemoryTrainingData : ITrainingData, IDisposable
{
    private readonly Tensor images;

    /// <summary>
    /// Uses <paramref name="images"/> [N x 1 x H x W] without copying when it is already contiguous float32 on the
    /// CPU (through an alias: the caller may dispose its own handle), else converts it once.
    /// </summary>
    public InMemoryTrainingData(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.dim() != 4 || images.shape[1] != 1 || images.shape[2] != images.shape[3])
            throw new ArgumentException($"training data must be [N x 1 x H x H], got [{string.Join(" x ", images.shape)}]");
        if (images.shape[0] == 0) throw new ArgumentException("training data holds no images");
        var ready = images.dtype == ScalarType.Float32 && images.device_type == DeviceType.CPU && images.is_contiguous();
        using var scope = NewDisposeScope(); // roots the converted intermediates during the native calls (TorchScalars)
        this.images = (ready ? images.alias() : images.to(ScalarType.Float32, CPU).contiguous().alias()).DetachFromDisposeScope();
    }

    public long Count => images.shape[0];

    public int ImageSize => (int)images.shape[2];

    public Tensor ReadBatch(long[] indices)
    {
        using var scope = NewDisposeScope();
        var index = tensor(indices, ScalarType.Int64); // device: CPU, as the images it indexes (the trainer moves the batch)
        return images.index_select(0, index).MoveToOuterDisposeScope();
    }

    public void Dispose() => images.Dispose();
}
