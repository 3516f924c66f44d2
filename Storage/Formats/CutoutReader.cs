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

    /// <summary>Parses <paramref name="bytes"/> as the file <paramref name="name"/> (the name is used in ids and errors).</summary>
    public static IReadOnlyList<Cutout> Read(string name, ReadOnlySpan<byte> bytes, ArrayLimits? limits = null)
    {
        limits ??= ArrayLimits.Default;
        if (name.EndsWith(".npy", StringComparison.OrdinalIgnoreCase))
            return Split(name, Npy.Read(bytes, name, limits));
        if (name.EndsWith(".npz", StringComparison.OrdinalIgnoreCase))
            return Npz.ReadCutouts(bytes, name, limits);
        if (name.EndsWith(".fits", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".fit", StringComparison.OrdinalIgnoreCase)
            || name.EndsWith(".fz", StringComparison.OrdinalIgnoreCase))
            return Fits.FitsReader.ReadCutouts(bytes, name, limits);
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
                throw new CutoutFormatException(name, $"expected a 2-D image [H x W] or a 3-D stack [N x H x W], got shape ({string.Join(", ", s)})");
        }
    }
}
