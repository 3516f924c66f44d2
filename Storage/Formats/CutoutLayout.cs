namespace ScoreBatch.Storage.Formats;

/// <summary>
/// What a cutout file declares in its headers, read without decoding a pixel (<see cref="CutoutReader.Describe"/>):
/// its arrays and how many bytes it inflates to, so that limits are checked before anything large is allocated.
/// </summary>
/// <param name="Arrays">Each array that will become cutouts, in file order.</param>
/// <param name="DecompressedBytes">Bytes the file inflates to (.npz members, tile-compressed FITS images); 0 for uncompressed formats.</param>
public sealed record CutoutLayout(IReadOnlyList<CutoutArray> Arrays, long DecompressedBytes)
{
    /// <summary>Cutouts in the whole file.</summary>
    public long CutoutCount => Arrays.Sum(a => a.Count);
}

/// <summary>One array of a cutout file: <paramref name="Count"/> cutouts of <paramref name="Height"/> x <paramref name="Width"/>.</summary>
/// <param name="Id">The id of the array as cutout ids start ("a.npz:key", "a.fits[SCI]").</param>
/// <param name="Count">Cutouts in the array (planes of a stack).</param>
/// <param name="Height">Rows of each cutout.</param>
/// <param name="Width">Columns of each cutout.</param>
public sealed record CutoutArray(string Id, long Count, int Height, int Width)
{
    /// <summary>An [H x W] image or an [N x H x W] stack; any other shape is refused naming <paramref name="id"/>.</summary>
    public static CutoutArray Of(string id, int[] shape) => shape.Length switch
    {
        2 => new CutoutArray(id, 1, shape[0], shape[1]),
        3 => new CutoutArray(id, shape[0], shape[1], shape[2]),
        _ => throw new CutoutFormatException(id, $"expected a 2-D image [H x W] or a 3-D stack [N x H x W], got shape ({string.Join(", ", shape)})"),
    };
}
