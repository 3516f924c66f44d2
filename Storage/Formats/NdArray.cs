namespace ScoreBatch.Storage.Formats;

/// <summary>
/// A dense float32 array in C (row-major) order, whatever the file stored: a single image [H x W] or a stack
/// [N x H x W]. <see cref="Data"/>.Length equals the product of <see cref="Shape"/>.
/// </summary>
public sealed record NdArray(int[] Shape, float[] Data)
{
    public long ElementCount => Data.LongLength;
}
