namespace ScoreBatch.Storage.Formats;

/// <summary>
/// A dense float32 array in C (row-major) order, whatever the file stored: a single image [H x W] or a stack
/// [N x H x W]. <see cref="Data"/>.Length equals the product of <see cref="Shape"/>.
/// </summary>
public sealed record NdArray(int[] Shape, float[] Data)
{
    public long ElementCount => Data.LongLength;
}

/// <summary>Upper bounds checked from a file's header before anything is allocated.</summary>
/// <param name="MaxElements">Largest element count accepted (default 2^28: 1 GiB of float32).</param>
/// <param name="MaxHeaderBytes">Largest .npy header accepted (numpy itself writes a few hundred bytes).</param>
/// <param name="MaxArchiveMembers">Most members of an .npz archive (a zip bomb can declare millions of tiny ones).</param>
/// <param name="MaxArchiveBytes">Largest total uncompressed size of an .npz archive's members (default 2^31 - 1,
/// the largest buffer .NET allocates; 2 GiB of float32 is already past <paramref name="MaxElements"/>).</param>
public sealed record ArrayLimits(long MaxElements = 1L << 28, int MaxHeaderBytes = 65536, int MaxArchiveMembers = 4096,
    long MaxArchiveBytes = int.MaxValue)
{
    public static ArrayLimits Default { get; } = new();
}
