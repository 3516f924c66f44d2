namespace ScoreBatch.Storage.Formats;

/// <summary>
/// Reads the cutouts held in one file, choosing the format by the file name's extension. A 2-D array is one
/// cutout; a 3-D array [N x H x W] is a stack of N cutouts with ids "name#i". Ids by format:
/// .npy "a.npy", "a.npy#i"; .npz "a.npz:key", "a.npz:key#i"; FITS (.fits, .fit, .fits.fz, .fz)
/// "a.fits[EXTNAME]" or "a.fits[k]" (k = 0-based HDU), "a.fits[1]#i" for cube planes.
/// </summary>
public static class CutoutReader
{
    /// <summary>File name endings this reader accepts.</summary>
    public static IReadOnlyList<string> SupportedExtensions { get; } = [".npy", ".npz", ".fits", ".fit", ".fits.fz", ".fz"];

    /// <summary>True when <paramref name="name"/> ends with a supported extension.</summary>
    public static bool IsSupported(string name) =>
        SupportedExtensions.Any(e => name.EndsWith(e, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Parses <paramref name="bytes"/> as the file <paramref name="name"/> (the name is used in ids and errors).
    /// Every limit of <paramref name="limits"/> is checked from the headers before a pixel buffer is allocated.
    /// </summary>
    public static IReadOnlyList<Cutout> Read(string name, ReadOnlySpan<byte> bytes, ArrayLimits? limits = null)
    {
        limits ??= ArrayLimits.Default;
        switch (FormatOf(name))
        {
            case Format.Npy:
                var header = Npy.ReadHeader(bytes, name, limits, out _);
                var array = CutoutArray.Of(name, header.Shape);
                limits.CheckCutouts(name, null, array.Count, array.Height, array.Width);
                return Split(name, Npy.Read(bytes, name, limits));
            case Format.Npz:
                return Npz.ReadCutouts(bytes, name, limits);
            default:
                return Fits.FitsReader.ReadCutouts(bytes, name, limits);
        }
    }

    /// <summary>
    /// The arrays the file declares and the bytes it inflates to, from its headers only (an .npz member is inflated
    /// only as far as its .npy header; FITS headers are parsed without CFITSIO). Checks the structural limits of
    /// <paramref name="limits"/> (elements, members, HDUs, decompressed bytes) but leaves cutout size and count to
    /// the caller, which may count across files.
    /// </summary>
    public static CutoutLayout Describe(string name, ReadOnlySpan<byte> bytes, ArrayLimits limits)
    {
        switch (FormatOf(name))
        {
            case Format.Npy:
                return new CutoutLayout([CutoutArray.Of(name, Npy.ReadHeader(bytes, name, limits, out _).Shape)], 0);
            case Format.Npz:
                return Npz.Describe(bytes, name, limits);
            default:
                return Fits.FitsReader.Describe(bytes, name, limits);
        }
    }

    private enum Format { Npy, Npz, Fits }

    private static Format FormatOf(string name)
    {
        if (name.EndsWith(".npy", StringComparison.OrdinalIgnoreCase)) return Format.Npy;
        if (name.EndsWith(".npz", StringComparison.OrdinalIgnoreCase)) return Format.Npz;
        if (name.EndsWith(".fits", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".fit", StringComparison.OrdinalIgnoreCase)
            || name.EndsWith(".fz", StringComparison.OrdinalIgnoreCase))
            return Format.Fits;
        throw new CutoutFormatException(name, $"unsupported file type; accepted: {string.Join(", ", SupportedExtensions)}");
    }

    /// <summary>Turns an [H x W] or [N x H x W] array into cutouts with stable ids.</summary>
    public static IReadOnlyList<Cutout> Split(string name, NdArray array)
    {
        var s = array.Shape;
        switch (s.Length)
        {
            case 2:
                return [new Cutout(name, s[0], s[1], array.Data)];
            case 3:
                int plane = s[1] * s[2];
                var list = new List<Cutout>(s[0]);
                for (int i = 0; i < s[0]; i++)
                    list.Add(new Cutout($"{name}#{i}", s[1], s[2], array.Data.AsSpan(i * plane, plane).ToArray()));
                return list;
            default:
                _ = CutoutArray.Of(name, s); // throws naming the shape
                return [];
        }
    }
}
