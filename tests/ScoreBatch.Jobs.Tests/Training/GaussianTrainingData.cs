using ScoreBatch.Jobs.Training;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Tests.Training;

/// <summary>
/// A streamed dataset of endless fresh N(0, v I) images (indices are ignored): the model never sees an image
/// twice, so it cannot overfit and its loss is bounded below by L* exactly.
/// </summary>
internal sealed class GaussianTrainingData(double variance, int imageSize, ulong seed) : ITrainingData, IDisposable
{
    private readonly Generator generator = new(seed);

    /// <summary>Nominal size: only sets how often the (ignored) permutation is redrawn.</summary>
    public long Count => 1L << 20;

    public int ImageSize => imageSize;

    public Tensor ReadBatch(long[] indices) =>
        randn([indices.Length, 1, imageSize, imageSize], generator: generator).mul_(Math.Sqrt(variance));

    public void Dispose() => generator.Dispose();
}
