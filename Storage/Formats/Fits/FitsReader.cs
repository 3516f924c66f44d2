using System.Runtime.InteropServices;

namespace ScoreBatch.Storage.Formats.Fits;

/// <summary>One image HDU of a FITS file, converted to float32 with BSCALE/BZERO applied.</summary>
/// <param name="HduIndex">0-based HDU number (0 = primary), as in CFITSIO's "file.fits[1]" and astropy's hdul[1].</param>
/// <param name="ExtName">EXTNAME, or null when the HDU has none.</param>
/// <param name="Designator">"[EXTNAME]" when that name is unique among the file's image HDUs, else "[index]".</param>
/// <param name="Bitpix">BITPIX as stored (8, 16, 32, 64, -32, -64); for a tile-compressed image, that of the image.</param>
/// <param name="Array">Pixels in numpy order: [H x W] for NAXIS = 2, [N x H x W] for a cube (NAXIS3 = N).</param>
public sealed record FitsImage(int HduIndex, string? ExtName, string Designator, int Bitpix, NdArray Array);

/// <summary>
/// Reads the image HDUs of a FITS file held in memory through CFITSIO: the primary array and IMAGE extensions,
/// any BITPIX, BSCALE/BZERO applied by CFITSIO (pixels are read as TFLOAT), and tile-compressed images (.fits.fz,
/// which CFITSIO presents as ordinary images). Empty HDUs (NAXIS = 0) and tables are skipped. Every image's size
/// is checked against <see cref="ArrayLimits"/> from its header before any pixel buffer is allocated.
/// Row 0 is the first row stored in the file, as in astropy and numpy (not flipped for display). Undefined integer
/// pixels (BLANK) are read as NaN; the scorer rejects them naming the cutout.
/// </summary>
public static class FitsReader
{
    private sealed record HduHeader(int HduIndex, string? ExtName, int Bitpix, int[] Shape, long Count);

    /// <summary>All image HDUs of the file, in file order; <paramref name="name"/> is used in errors.</summary>
    /// <exception cref="CutoutFormatException">Not FITS, corrupt, too large, or without any image.</exception>
    public static unsafe IReadOnlyList<FitsImage> ReadImages(ReadOnlySpan<byte> bytes, string name, ArrayLimits? limits = null)
    {
        limits ??= ArrayLimits.Default;
        if (bytes.Length < 2880)
            throw new CutoutFormatException(name, $"not a FITS file: {bytes.Length} bytes, shorter than one 2880-byte FITS block");
        CfitsioLibrary.EnsureLoaded();
        lock (FitsFile.Gate)
        {
            // CFITSIO keeps the addresses of the buffer pointer and size until close: give it native slots.
            var slots = (nuint*)NativeMemory.Alloc(2, (nuint)sizeof(nuint));
            IntPtr fptr = IntPtr.Zero;
            bool ok = false;
            try
            {
                fixed (byte* p = bytes)
                {
                    slots[0] = (nuint)p;
                    slots[1] = (nuint)bytes.Length;
                    int status = 0;
                    CfitsioNative.ffcmsg();
                    CfitsioNative.ffomem(out fptr, "memory.fits", CfitsioNative.ReadOnly, (void**)&slots[0], &slots[1], 0, IntPtr.Zero, ref status);
                    FitsFile.Check(status, name, "opening as FITS");
                    var headers = ReadHeaders(fptr, name, limits);
                    var images = new List<FitsImage>(headers.Count);
                    foreach (var h in headers)
                        images.Add(new FitsImage(h.HduIndex, h.ExtName, Designate(h, headers), h.Bitpix, ReadPixels(fptr, h, name)));
                    ok = true;
                    return images;
                }
            }
            finally
            {
                FitsFile.Close(fptr, name, earlierFailure: !ok);
                NativeMemory.Free(slots);
            }
        }
    }

    /// <summary>The file's images as cutouts: ids "name[EXTNAME]" or "name[k]", plus "#i" for each plane of a cube.</summary>
    public static IReadOnlyList<Cutout> ReadCutouts(ReadOnlySpan<byte> bytes, string name, ArrayLimits? limits = null)
    {
        var cutouts = new List<Cutout>();
        foreach (var image in ReadImages(bytes, name, limits))
            cutouts.AddRange(CutoutReader.Split(name + image.Designator, image.Array));
        return cutouts;
    }

    private static List<HduHeader> ReadHeaders(IntPtr fptr, string name, ArrayLimits limits)
    {
        int status = 0;
        CfitsioNative.ffthdu(fptr, out int count, ref status);
        FitsFile.Check(status, name, "counting HDUs");
        var headers = new List<HduHeader>();
        long total = 0;
        for (int hdu = 1; hdu <= count; hdu++)
        {
            CfitsioNative.ffmahd(fptr, hdu, out _, ref status);
            CfitsioNative.ffghdt(fptr, out int type, ref status);
            FitsFile.Check(status, name, $"moving to HDU {hdu - 1}");
            if (type != CfitsioNative.ImageHdu) continue;
            CfitsioNative.ffgidm(fptr, out int naxis, ref status);
            FitsFile.Check(status, name, $"reading NAXIS of HDU {hdu - 1}");
            if (naxis == 0) continue;
            var axes = new long[naxis];
            CfitsioNative.ffgiszll(fptr, naxis, axes, ref status);
            CfitsioNative.ffgidt(fptr, out int bitpix, ref status);
            FitsFile.Check(status, name, $"reading the image size of HDU {hdu - 1}");
            var shape = ToNumpyShape(axes, name, hdu - 1);
            long n = 1;
            foreach (var a in axes)
            {
                if (a < 0 || (a > 0 && n > limits.MaxElements / a))
                    throw new CutoutFormatException(name, $"HDU {hdu - 1}: image of NAXISn ({string.Join(", ", axes)}) exceeds the limit of {limits.MaxElements} elements");
                n *= a;
            }
            total += n;
            if (total > limits.MaxElements)
                throw new CutoutFormatException(name, $"the file's images hold more than the limit of {limits.MaxElements} elements (at HDU {hdu - 1})");
            headers.Add(new HduHeader(hdu - 1, ReadExtName(fptr, name), bitpix, shape, n));
        }
        if (headers.Count == 0)
            throw new CutoutFormatException(name, $"no image HDU with data among its {count} HDUs");
        return headers;
    }

    /// <summary>FITS NAXIS1 is the fastest axis; numpy's shape lists axes slowest first. Degenerate axes above 3 are dropped.</summary>
    private static int[] ToNumpyShape(long[] axes, string name, int hdu)
    {
        int rank = axes.Length;
        while (rank > 3 && axes[rank - 1] == 1) rank--;
        if (rank is < 2 or > 3)
            throw new CutoutFormatException(name, $"HDU {hdu}: expected a 2-D image or a 3-D cube, got NAXISn = ({string.Join(", ", axes)})");
        var shape = new int[rank];
        for (int k = 0; k < rank; k++)
        {
            if (axes[k] > int.MaxValue)
                throw new CutoutFormatException(name, $"HDU {hdu}: NAXIS{k + 1} = {axes[k]} is too large");
            shape[rank - 1 - k] = (int)axes[k];
        }
        return shape;
    }

    private static unsafe string? ReadExtName(IntPtr fptr, string name)
    {
        byte* value = stackalloc byte[CfitsioNative.FlenValue + 1];
        byte* comment = stackalloc byte[CfitsioNative.FlenComment + 1];
        int status = 0;
        CfitsioNative.ffgkys(fptr, "EXTNAME", value, comment, ref status);
        if (status == CfitsioNative.KeyNoExist)
        {
            CfitsioNative.ffcmsg();
            return null;
        }
        FitsFile.Check(status, name, "reading EXTNAME");
        var text = FitsFile.Text(value).Trim();
        return text.Length == 0 ? null : text;
    }

    private static string Designate(HduHeader h, List<HduHeader> all) =>
        h.ExtName is { } ext && all.Count(o => string.Equals(o.ExtName, ext, StringComparison.OrdinalIgnoreCase)) == 1
            ? $"[{ext}]"
            : $"[{h.HduIndex}]";

    private static unsafe NdArray ReadPixels(IntPtr fptr, HduHeader h, string name)
    {
        int status = 0;
        CfitsioNative.ffmahd(fptr, h.HduIndex + 1, out _, ref status);
        var data = new float[h.Count];
        // Undefined pixels (integer images: the BLANK value) become NaN, as astropy gives them for scaled data.
        float blank = float.NaN;
        fixed (float* d = data)
            CfitsioNative.ffgpv(fptr, CfitsioNative.TFloat, 1, h.Count, &blank, d, out _, ref status);
        FitsFile.Check(status, name, $"reading the pixels of HDU {h.HduIndex}");
        return new NdArray(h.Shape, data);
    }
}
