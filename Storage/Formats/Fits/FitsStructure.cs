namespace ScoreBatch.Storage.Formats.Fits;

/// <summary>What an HDU holds, as far as the cutout reader is concerned.</summary>
internal enum FitsHduKind
{
    /// <summary>The primary array or an IMAGE extension.</summary>
    Image,

    /// <summary>A primary HDU in the random-groups convention (GROUPS = T, NAXIS1 = 0): parameters and groups, not an image.</summary>
    RandomGroups,

    /// <summary>A tile-compressed image (a BINTABLE with ZIMAGE = T), which CFITSIO presents as an image.</summary>
    CompressedImage,

    /// <summary>An ASCII or binary table, or an extension type this reader does not know.</summary>
    Other,
}

/// <summary>
/// One HDU as its header declares it. <see cref="Axes"/> are NAXIS1..n (fastest first); for a compressed image,
/// ZNAXIS1..n of the image and <see cref="Bitpix"/> = ZBITPIX. Offsets are from the start of the file.
/// </summary>
internal sealed record FitsHdu(int Index, FitsHduKind Kind, int Bitpix, long[] Axes, string? ExtName,
    long DataOffset, long DataBytes)
{
    /// <summary>Pixels of the (decompressed) image; 0 for NAXIS = 0 or any zero-length axis.</summary>
    public long PixelCount => Axes.Length == 0 ? 0 : Axes.Aggregate(1L, (a, b) => (long)Int128.Min((Int128)a * b, long.MaxValue));

    /// <summary>An image HDU that holds pixels (empty HDUs and zero-length axes hold none and are skipped).</summary>
    public bool HasPixels => Kind is FitsHduKind.Image or FitsHduKind.CompressedImage && PixelCount > 0;

    /// <summary>Bytes of the pixels once read (for a compressed image: once decompressed), as stored (|BITPIX| / 8 each).</summary>
    public long ImageBytes => (long)Int128.Min((Int128)PixelCount * (Math.Abs(Bitpix) / 8), long.MaxValue);
}

/// <summary>
/// Parses and checks every header of a FITS file in managed code before CFITSIO sees a byte of it (issue 9:
/// NAXIS = 999 and truncated data crashed the process inside CFITSIO). For each HDU: the mandatory keywords in
/// their required order (SIMPLE or XTENSION, BITPIX, NAXIS, NAXISn, PCOUNT, GCOUNT), BITPIX one of the six
/// standard values, NAXIS within the standard's 0..999 and at most <see cref="MaxAxes"/>, every NAXISn >= 0,
/// PCOUNT >= 0 and GCOUNT >= 1, and the data size |BITPIX|·GCOUNT·(PCOUNT + NAXIS1·...·NAXISn)/8 within what is
/// left of the file. Compressed images also have ZBITPIX, ZNAXIS and ZNAXISn checked the same way, their tiling and
/// codec parameters, and their tiles (<see cref="FitsTiles"/>). Bytes after the last HDU that do not start another
/// extension are ignored, as astropy does; <see cref="Layout.Length"/> tells the reader how much of the file to hand
/// to CFITSIO.
/// </summary>
internal static class FitsStructure
{
    /// <summary>
    /// Most axes accepted. The standard allows 999, but cutouts have 2 or 3 and CFITSIO 4.2 crashes on a header with
    /// about 105 or more (measured: 102 opens, 105 is SIGSEGV); 8 leaves room for degenerate axes of length 1.
    /// </summary>
    internal const int MaxAxes = 8;

    private static readonly int[] Bitpixes = [8, 16, 32, 64, -32, -64];

    /// <summary>The HDUs and the length of the file they span (the end of the last HDU's data).</summary>
    internal sealed record Layout(IReadOnlyList<FitsHdu> Hdus, long Length);

    /// <exception cref="CutoutFormatException">Any header that is malformed, lies about its data, or exceeds <paramref name="limits"/>.</exception>
    internal static Layout Parse(ReadOnlySpan<byte> bytes, string file, ArrayLimits limits)
    {
        if (bytes.Length < FitsHeader.BlockSize)
            throw new CutoutFormatException(file, $"not a FITS file: {bytes.Length} bytes, shorter than one 2880-byte FITS block");
        if (!bytes.StartsWith("SIMPLE  ="u8))
            throw new CutoutFormatException(file, "not a FITS file: it does not start with the card SIMPLE = T");
        var hdus = new List<FitsHdu>();
        long offset = 0, end = 0;
        while (offset == 0 || (bytes.Length - offset >= 8 && bytes.Slice((int)offset, 8).SequenceEqual("XTENSION"u8)))
        {
            if (hdus.Count >= limits.MaxHdus)
                throw new CutoutFormatException(file, $"more than the limit of {limits.MaxHdus} HDUs");
            var hdu = ParseHdu(bytes, offset, hdus.Count, file, limits);
            hdus.Add(hdu);
            end = hdu.DataOffset + hdu.DataBytes;
            long padded = (hdu.DataBytes + FitsHeader.BlockSize - 1) / FitsHeader.BlockSize * FitsHeader.BlockSize;
            offset = hdu.DataOffset + padded;
            if (offset >= bytes.Length) break;
        }
        // CFITSIO reads whole blocks: give it the padding of the last HDU when the file has it.
        long length = Math.Min(bytes.Length, (end + FitsHeader.BlockSize - 1) / FitsHeader.BlockSize * FitsHeader.BlockSize);
        return new Layout(hdus, length);
    }

    private static FitsHdu ParseHdu(ReadOnlySpan<byte> bytes, long offset, int index, string file, ArrayLimits limits)
    {
        var h = FitsHeader.Read(bytes, offset, file, index);
        bool primary = index == 0;
        string? xtension = null;
        if (primary)
        {
            if (h.KeywordAt(0) != "SIMPLE" || !h.IsTrue("SIMPLE"))
                throw h.Refuse("SIMPLE", "the first card must be SIMPLE = T");
        }
        else
        {
            xtension = h.String("XTENSION")?.Trim() ?? throw h.Refuse("XTENSION", "has no string value");
        }
        int bitpix = CheckBitpix(h, "BITPIX", h.MandatoryInteger(1, "BITPIX"));
        var axes = ReadAxes(h, "NAXIS", h.MandatoryInteger(2, "NAXIS"), position: 3);
        long pcount = 0, gcount = 1;
        var kind = FitsHduKind.Image;
        if (primary)
        {
            if (h.IsTrue("GROUPS") && axes.Length > 0 && axes[0] == 0)
            {
                kind = FitsHduKind.RandomGroups;
                pcount = h.Integer("PCOUNT") ?? 0;
                gcount = h.Integer("GCOUNT") ?? 1;
            }
        }
        else
        {
            pcount = h.MandatoryInteger(3 + axes.Length, "PCOUNT");
            gcount = h.MandatoryInteger(4 + axes.Length, "GCOUNT");
            kind = xtension switch
            {
                "IMAGE" => FitsHduKind.Image,
                "BINTABLE" when h.IsTrue("ZIMAGE") => FitsHduKind.CompressedImage,
                _ => FitsHduKind.Other,
            };
            if (kind == FitsHduKind.Image && (pcount != 0 || gcount != 1))
                throw h.Refuse(pcount != 0 ? "PCOUNT" : "GCOUNT", $"an IMAGE extension must have PCOUNT = 0 and GCOUNT = 1, got {pcount} and {gcount}");
        }
        if (pcount < 0) throw h.Refuse("PCOUNT", $"PCOUNT = {pcount} is negative");
        if (gcount < 1) throw h.Refuse("GCOUNT", $"GCOUNT = {gcount} must be at least 1");

        long dataOffset = offset + h.Length;
        long dataBytes = DataBytes(bitpix, axes, pcount, gcount, skipFirstAxis: kind == FitsHduKind.RandomGroups);
        long left = bytes.Length - dataOffset;
        if (dataBytes > left)
            throw h.Refuse("NAXIS", $"the header declares {Describe(dataBytes)} of data (BITPIX = {bitpix}, NAXISn = ({string.Join(", ", axes)})"
                + (pcount != 0 || gcount != 1 ? $", PCOUNT = {pcount}, GCOUNT = {gcount}" : "") + $") but only {left} bytes follow: the file is truncated or the header is wrong");

        string? extName = ExtName(h, kind);
        if (kind == FitsHduKind.CompressedImage)
        {
            bitpix = CheckBitpix(h, "ZBITPIX", h.Integer("ZBITPIX") ?? throw h.Refuse("ZBITPIX", "a compressed image (ZIMAGE = T) needs ZBITPIX"));
            long znaxis = h.Integer("ZNAXIS") ?? throw h.Refuse("ZNAXIS", "a compressed image (ZIMAGE = T) needs ZNAXIS");
            axes = ReadAxes(h, "ZNAXIS", znaxis, position: null);
            var (codec, tile) = CheckTiling(h, axes);
            var image = new FitsHdu(index, kind, bitpix, axes, extName, dataOffset, dataBytes);
            if (image.ImageBytes > limits.MaxDecompressedBytes)
                throw h.Refuse("ZNAXIS", $"the compressed image of ZNAXISn = ({string.Join(", ", axes)}), ZBITPIX = {bitpix} inflates to {image.ImageBytes} bytes, past the limit of {limits.MaxDecompressedBytes} decompressed bytes");
            FitsTiles.Check(bytes, h, dataOffset, pcount, codec, axes, tile, bitpix); // inflates gzip tiles: bounded by the check above
        }
        return new FitsHdu(index, kind, bitpix, axes, extName, dataOffset, dataBytes);
    }

    /// <summary>
    /// EXTNAME as astropy resolves it: the first card, except that a compressed image's table header may carry the
    /// default 'COMPRESSED_IMAGE' beside the image's own name (CFHT files; astropy's double_ext.fits), and then the
    /// other name wins. CFITSIO would give the first card, so the name is taken from the managed parse.
    /// </summary>
    private static string? ExtName(FitsHeader h, FitsHduKind kind)
    {
        var names = h.Strings("EXTNAME");
        if (kind == FitsHduKind.CompressedImage && names.Any(n => n != CompressedDefaultName))
            names.RemoveAll(n => n == CompressedDefaultName);
        return names.Count > 0 && names[0].Length > 0 ? names[0] : null;
    }

    private const string CompressedDefaultName = "COMPRESSED_IMAGE";

    private static readonly string[] Codecs = ["RICE_1", "RICE_ONE", "GZIP_1", "GZIP_2", "HCOMPRESS_1", "PLIO_1", "NOCOMPRESS"];

    /// <summary>
    /// The tiling and the codec parameters CFITSIO divides by or sizes buffers with (a RICE_1 BLOCKSIZE of 0 taken
    /// from a corrupt header killed the process with SIGFPE in the fuzz test): every ZTILEn in 1..ZNAXISn, one table
    /// row per tile, a known ZCMPTYPE, RICE_1 BLOCKSIZE 16 or 32 and BYTEPIX 1, 2, 4 or 8, HCOMPRESS_1 SCALE >= 0
    /// and SMOOTH 0 or 1 (FITS 4.0 10.4).
    /// </summary>
    private static (string Codec, long[] Tile) CheckTiling(FitsHeader h, long[] axes)
    {
        if (axes.Length == 0) throw h.Refuse("ZNAXIS", "a compressed image needs ZNAXIS >= 1");
        long tiles = 1;
        var tileShape = new long[axes.Length];
        for (int k = 0; k < axes.Length; k++)
        {
            long tile = h.Integer($"ZTILE{k + 1}") ?? (k == 0 ? axes[0] : 1);
            if (tile < 1 || tile > Math.Max(1, axes[k]))
                throw h.Refuse($"ZTILE{k + 1}", $"ZTILE{k + 1} = {tile} must be between 1 and ZNAXIS{k + 1} = {axes[k]}");
            tiles = Multiply(tiles, (axes[k] + tile - 1) / tile);
            tileShape[k] = tile;
        }
        long rows = h.MandatoryInteger(4, "NAXIS2"), width = h.MandatoryInteger(3, "NAXIS1");
        if (axes.All(a => a > 0) && rows != tiles)
            throw h.Refuse("NAXIS2", $"the compressed image has {tiles} tiles (ZNAXISn / ZTILEn) but its table {rows} rows");
        if (width < 1) throw h.Refuse("NAXIS1", $"NAXIS1 = {width}: a compressed image's table rows cannot be empty");
        var codec = h.String("ZCMPTYPE")?.Trim() ?? throw h.Refuse("ZCMPTYPE", "a compressed image needs ZCMPTYPE");
        if (!Codecs.Contains(codec))
            throw h.Refuse("ZCMPTYPE", $"ZCMPTYPE = '{codec}' is not one of {string.Join(", ", Codecs)}");
        // CFITSIO reads the codec parameters by position, ZVAL1 and ZVAL2, whatever ZNAMEn says (a GZIP_2 header
        // relabelled RICE_1 gave RICE a BLOCKSIZE of 0.0 from NOISEBIT: SIGFPE).
        double? v1 = h.Real("ZVAL1"), v2 = h.Real("ZVAL2");
        if ((v1 is null && h.Has("ZVAL1")) || (v2 is null && h.Has("ZVAL2")))
            throw h.Refuse(v1 is null && h.Has("ZVAL1") ? "ZVAL1" : "ZVAL2", "a codec parameter must be a number (CFITSIO reads an empty or odd value as 0)");
        var (ok1, ok2, p1, p2) = codec switch
        {
            "RICE_1" or "RICE_ONE" => (v1 is null or 16 or 32, v2 is null or 1 or 2 or 4 or 8, "BLOCKSIZE", "BYTEPIX"),
            "HCOMPRESS_1" => (v1 is null or >= 0, v2 is null or 0 or 1, "SCALE", "SMOOTH"),
            _ => (true, true, "", ""),
        };
        if (!ok1) throw h.Refuse("ZVAL1", $"{codec} reads ZVAL1 as {p1}, and {v1} is not a value it can use");
        if (!ok2) throw h.Refuse("ZVAL2", $"{codec} reads ZVAL2 as {p2}, and {v2} is not a value it can use");
        return (codec, tileShape);
    }

    private static int CheckBitpix(FitsHeader h, string key, long bitpix)
    {
        if (bitpix is > int.MaxValue or < int.MinValue || !Bitpixes.Contains((int)bitpix))
            throw h.Refuse(key, $"{key} = {bitpix} is not one of 8, 16, 32, 64, -32, -64");
        return (int)bitpix;
    }

    /// <summary>NAXIS (or ZNAXIS) and its axes: by position for NAXIS, by name for ZNAXIS (the table's own NAXISn come first).</summary>
    private static long[] ReadAxes(FitsHeader h, string key, long naxis, int? position)
    {
        if (naxis is < 0 or > 999)
            throw h.Refuse(key, $"{key} = {naxis} is outside 0..999, the range the FITS standard allows");
        if (naxis > MaxAxes)
            throw h.Refuse(key, $"{key} = {naxis} is more axes than this reader accepts ({MaxAxes}; a cutout has 2, a cube 3)");
        var axes = new long[naxis];
        for (int k = 0; k < naxis; k++)
        {
            string name = $"{key}{k + 1}";
            axes[k] = position is { } p ? h.MandatoryInteger(p + k, name) : h.Integer(name) ?? throw h.Refuse(name, $"{key} = {naxis} but {name} is missing");
            if (axes[k] < 0) throw h.Refuse(name, $"{name} = {axes[k]} is negative");
        }
        return axes;
    }

    /// <summary>|BITPIX|·GCOUNT·(PCOUNT + NAXIS1·...·NAXISn)/8 (FITS 4.0 eq. 2), saturating at long.MaxValue.</summary>
    private static long DataBytes(int bitpix, long[] axes, long pcount, long gcount, bool skipFirstAxis)
    {
        long product = axes.Length == 0 ? 0 : 1;
        for (int k = skipFirstAxis ? 1 : 0; k < axes.Length; k++)
            product = Multiply(product, axes[k]);
        long elements = product > long.MaxValue - pcount ? long.MaxValue : product + pcount;
        return Multiply(Multiply(Math.Abs(bitpix) / 8, gcount), elements);
    }

    /// <summary>a·b for non-negative a and b, saturating at long.MaxValue.</summary>
    private static long Multiply(long a, long b) => (long)Int128.Min((Int128)a * b, long.MaxValue);

    private static string Describe(long bytes) => bytes == long.MaxValue ? "more than 2^63 bytes" : $"{bytes} bytes";
}
