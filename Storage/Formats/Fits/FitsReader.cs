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
/// which CFITSIO presents as ordinary images). Empty HDUs (NAXIS = 0, or an axis of length 0), random-groups
/// HDUs and tables are skipped. Every header is parsed and checked in managed code first
/// (<see cref="FitsStructure"/>): CFITSIO only ever sees a file whose headers are well formed and whose data are
/// all there, and every image's size is checked against <see cref="ArrayLimits"/> before any pixel buffer is
/// allocated. Row 0 is the first row stored in the file, as in astropy and numpy (not flipped for display).
/// Undefined integer pixels (BLANK) are read as NaN; the scorer rejects them naming the cutout.
/// </summary>
public static class FitsReader
{
    /// <summary>An image HDU to read, with its numpy shape.</summary>
    private sealed record Planned(FitsHdu Hdu, int[] Shape, string Designator);

    /// <summary>All image HDUs of the file, in file order; <paramref name="name"/> is used in errors.</summary>
    /// <exception cref="CutoutFormatException">Not FITS, corrupt, truncated, too large, or without any image.</exception>
    public static unsafe IReadOnlyList<FitsImage> ReadImages(ReadOnlySpan<byte> bytes, string name, ArrayLimits? limits = null)
    {
        limits ??= ArrayLimits.Default;
        var (layout, planned) = Plan(bytes, name, limits);
        foreach (var p in planned)
        {
            var a = CutoutArray.Of(name + p.Designator, p.Shape);
            limits.CheckCutouts(name, $"HDU {p.Hdu.Index}", a.Count, a.Height, a.Width);
        }
        bytes = bytes[..(int)layout.Length]; // what follows the last HDU is not CFITSIO's business
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
                    var images = new List<FitsImage>(planned.Count);
                    foreach (var image in planned)
                        images.Add(new FitsImage(image.Hdu.Index, image.Hdu.ExtName, image.Designator, image.Hdu.Bitpix, ReadPixels(fptr, image, name)));
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

    /// <summary>What the file's headers declare, without CFITSIO and without reading a pixel.</summary>
    public static CutoutLayout Describe(ReadOnlySpan<byte> bytes, string name, ArrayLimits limits)
    {
        var (_, planned) = Plan(bytes, name, limits);
        var arrays = planned.Select(p => CutoutArray.Of(name + p.Designator, p.Shape)).ToList();
        long decompressed = planned.Where(p => p.Hdu.Kind == FitsHduKind.CompressedImage).Sum(p => p.Hdu.ImageBytes);
        return new CutoutLayout(arrays, decompressed);
    }

    private static (FitsStructure.Layout Layout, List<Planned> Images) Plan(ReadOnlySpan<byte> bytes, string name, ArrayLimits limits)
    {
        var layout = FitsStructure.Parse(bytes, name, limits);
        var withPixels = layout.Hdus.Where(h => h.HasPixels).ToList();
        if (withPixels.Count == 0)
        {
            var skipped = layout.Hdus.Select(h => h.Kind switch
            {
                FitsHduKind.RandomGroups => $"HDU {h.Index}: random groups",
                FitsHduKind.Other => $"HDU {h.Index}: table",
                _ => $"HDU {h.Index}: NAXISn = ({string.Join(", ", h.Axes)})",
            });
            throw new CutoutFormatException(name, $"no image HDU with data among its {layout.Hdus.Count} HDUs ({string.Join("; ", skipped)})");
        }
        long total = 0, decompressed = 0;
        var planned = new List<Planned>(withPixels.Count);
        foreach (var h in withPixels)
        {
            var shape = ToNumpyShape(h.Axes, name, h.Index);
            total += h.PixelCount;
            if (h.PixelCount > limits.MaxElements || total > limits.MaxElements)
                throw new CutoutFormatException(name, $"HDU {h.Index}: image of NAXISn ({string.Join(", ", h.Axes)}) brings the file past the limit of {limits.MaxElements} elements");
            if (h.Kind == FitsHduKind.CompressedImage && (decompressed = (long)Int128.Min((Int128)decompressed + h.ImageBytes, long.MaxValue)) > limits.MaxDecompressedBytes)
                throw new CutoutFormatException(name, $"HDU {h.Index}: compressed image of ZNAXISn ({string.Join(", ", h.Axes)}), ZBITPIX = {h.Bitpix} brings the file past the limit of {limits.MaxDecompressedBytes} decompressed bytes");
            planned.Add(new Planned(h, shape, Designate(h, withPixels)));
        }
        return (layout, planned);
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

    private static string Designate(FitsHdu h, List<FitsHdu> all) =>
        h.ExtName is { } ext && all.Count(o => string.Equals(o.ExtName, ext, StringComparison.OrdinalIgnoreCase)) == 1
            ? $"[{ext}]"
            : $"[{h.Index}]";

    private static unsafe NdArray ReadPixels(IntPtr fptr, Planned image, string name)
    {
        var h = image.Hdu;
        int status = 0;
        CfitsioNative.ffmahd(fptr, h.Index + 1, out _, ref status);
        FitsFile.Check(status, name, $"moving to HDU {h.Index}");
        CheckSameAsCfitsio(fptr, h, name);
        var data = new float[h.PixelCount];
        // Undefined pixels (integer images: the BLANK value) become NaN, as astropy gives them for scaled data.
        float blank = float.NaN;
        fixed (float* d = data)
            CfitsioNative.ffgpv(fptr, CfitsioNative.TFloat, 1, h.PixelCount, &blank, d, out _, ref status);
        FitsFile.Check(status, name, $"reading the pixels of HDU {h.Index}");
        return new NdArray(image.Shape, data);
    }

    /// <summary>CFITSIO must see the image the managed parser checked; any disagreement is refused, never read.</summary>
    private static void CheckSameAsCfitsio(IntPtr fptr, FitsHdu h, string name)
    {
        int status = 0;
        CfitsioNative.ffghdt(fptr, out int type, ref status);
        CfitsioNative.ffgidm(fptr, out int naxis, ref status);
        FitsFile.Check(status, name, $"reading the image size of HDU {h.Index}");
        var axes = new long[Math.Max(naxis, 1)];
        if (naxis is > 0 and <= FitsStructure.MaxAxes)
            CfitsioNative.ffgiszll(fptr, naxis, axes, ref status);
        CfitsioNative.ffgidt(fptr, out int bitpix, ref status);
        FitsFile.Check(status, name, $"reading the image size of HDU {h.Index}");
        if (type != CfitsioNative.ImageHdu || naxis != h.Axes.Length || bitpix != h.Bitpix || !axes.AsSpan(0, naxis).SequenceEqual(h.Axes))
            throw new CutoutFormatException(name, $"HDU {h.Index}: CFITSIO reads BITPIX = {bitpix}, NAXISn = ({string.Join(", ", axes.Take(naxis))}) "
                + $"where the header check read BITPIX = {h.Bitpix}, NAXISn = ({string.Join(", ", h.Axes)}); refused as ambiguous");
    }
}
