using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Training;

/// <summary>
/// Random-access training images in model space (already transformed). An in-memory stack implements it with
/// <see cref="InMemoryTrainingData"/>; a streamed dataset (shards read on demand) implements the same two members.
/// </summary>
public interface ITrainingData
{
    /// <summary>Number of images.</summary>
    long Count { get; }

    /// <summary>Image side N: every image is [1 x N x N].</summary>
    int ImageSize { get; }

    /// <summary>The images at <paramref name="indices"/> (each in [0, Count)) as [B x 1 x N x N] float32 on the CPU.</summary>
    Tensor ReadBatch(long[] indices);
}
