using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Cleaning;

/// <summary>
/// What <see cref="Cleaner"/> returns, in data space: the cleaned cutouts [N x 1 x H x W], the removed component
/// (input - cleaned, same shape) and the frames [F x N x 1 x H x W] (the input first, the cleaned cutout last).
/// </summary>
public sealed record CleanResult(Tensor Cleaned, Tensor Removed, Tensor Frames) : IDisposable
{
    public void Dispose()
    {
        Cleaned.Dispose();
        Removed.Dispose();
        Frames.Dispose();
    }
}
