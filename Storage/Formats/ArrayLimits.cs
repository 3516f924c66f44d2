namespace ScoreBatch.Storage.Formats;

/// <summary>
/// Upper bounds checked from a file's headers before anything is allocated, for every format alike (.npy, .npz,
/// FITS and .fits.fz). A job passes its own limits (ScoreBatch:Limits, see JobLimits in the worker); the
/// defaults below bound what one file may cost a local command.
/// </summary>
/// <param name="MaxElements">Largest element count of one file (default 2^28: 1 GiB of float32).</param>
/// <param name="MaxHeaderBytes">Largest .npy header accepted (numpy itself writes a few hundred bytes).</param>
/// <param name="MaxArchiveMembers">Most members of an .npz archive (a zip bomb can declare millions of tiny ones).</param>
/// <param name="MaxDecompressedBytes">Most bytes one file may inflate to: the members of an .npz, the images of
/// a tile-compressed FITS (default 2^30 = 1 GiB, what <paramref name="MaxElements"/> holds in float32).</param>
/// <param name="MaxCutoutSide">Largest height or width of a cutout (default 16384, the largest job limit allowed).</param>
/// <param name="MaxCutouts">Most cutouts in one file (default: no bound beyond <paramref name="MaxElements"/>).</param>
/// <param name="MaxHdus">Most HDUs of a FITS file (default 1000; each costs CFITSIO a header parse).</param>
public sealed record ArrayLimits(long MaxElements = 1L << 28, int MaxHeaderBytes = 65536, int MaxArchiveMembers = 4096,
    long MaxDecompressedBytes = 1L << 30, int MaxCutoutSide = 16384, long MaxCutouts = long.MaxValue, int MaxHdus = 1000)
{
    public static ArrayLimits Default { get; } = new();

    /// <summary>Refuses an array of <paramref name="count"/> cutouts of <paramref name="height"/> x <paramref name="width"/>
    /// that breaks <see cref="MaxCutoutSide"/> or <see cref="MaxCutouts"/>; <paramref name="file"/> and
    /// <paramref name="part"/> (an HDU, or null) name it in the error.</summary>
    public void CheckCutouts(string file, string? part, long count, long height, long width)
    {
        var where = part is null ? "" : part + ": ";
        if (height > MaxCutoutSide || width > MaxCutoutSide)
            throw new CutoutFormatException(file, $"{where}holds {height}x{width} cutouts, over the limit of {MaxCutoutSide} pixels per side");
        if (count > MaxCutouts)
            throw new CutoutFormatException(file, $"{where}holds {count} cutouts, over the limit of {MaxCutouts} per file");
    }
}
