using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Training;

/// <summary>Training data held as one float32 tensor [N x 1 x H x W] on the CPU (H = W).</summary>
public sealed class InMemoryTrainingData : ITrainingData, IDisposable
{
    private readonly Tensor images;

    /// <summary>Takes a copy of <paramref name="images"/> [N x 1 x H x W]; the caller keeps ownership of its tensor.</summary>
    public InMemoryTrainingData(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.dim() != 4 || images.shape[1] != 1 || images.shape[2] != images.shape[3])
            throw new ArgumentException($"training data must be [N x 1 x H x H], got [{string.Join(" x ", images.shape)}]");
        if (images.shape[0] == 0) throw new ArgumentException("training data holds no images");
        this.images = images.to(ScalarType.Float32, CPU).contiguous().clone().DetachFromDisposeScope();
    }

    public long Count => images.shape[0];

    public int ImageSize => (int)images.shape[2];

    public Tensor ReadBatch(long[] indices)
    {
        using var scope = NewDisposeScope();
        var index = tensor(indices, ScalarType.Int64);
        return images.index_select(0, index).MoveToOuterDisposeScope();
    }

    public void Dispose() => images.Dispose();
}
