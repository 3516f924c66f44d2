using ScoreBatch.Storage.Formats;
using ScoreBatch.Storage.Formats.Fits;
using static ScoreBatch.Tests.Shared.HostileFiles;

namespace ScoreBatch.Storage.Tests;

/// <summary>
/// FITS files that crashed or misled the reader (issue 9, items 1 and 10). Each header is checked in managed code
/// before CFITSIO sees the file, and refused naming the file, the HDU and the keyword.
/// </summary>
public class FitsHostileTests
{
    private static CutoutFormatException Refused(string name, byte[] bytes, ArrayLimits? limits = null)
    {
        var e = Assert.Throws<CutoutFormatException>(() => CutoutReader.Read(name, bytes, limits));
        Assert.Equal(name, e.File);
        return e;
    }

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    [Fact]
    public void FitsReader_Naxis999_RefusedNamingKeywordInsteadOfSegfault()
    {
        // Before: SIGSEGV inside CFITSIO's open (from NAXIS = 105 on), the test host and the worker died.
        var e = Refused("n999.fits", Naxis999());
        Assert.Equal("n999.fits: HDU 0: NAXIS: NAXIS = 999 is more axes than this reader accepts (8; a cutout has 2, a cube 3)", e.Message);
    }

    [Theory]
    [InlineData(1000, "outside 0..999")]
    [InlineData(-1, "outside 0..999")]
    public void FitsReader_NaxisOutsideStandard_RefusedNamingKeyword(int naxis, string fragment)
    {
        var bytes = Header([Card("SIMPLE", true), Card("BITPIX", -32), Card("NAXIS", naxis)]);
        Assert.Contains($"HDU 0: NAXIS: NAXIS = {naxis} is {fragment}", Refused("x.fits", bytes).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FitsReader_TruncatedCube_RefusedAsTruncatedBeforeCfitsio()
    {
        // Before: SIGSEGV (NAXIS3 = 2000 of 64 x 64, 4 KiB of data).
        var e = Refused("cube.fits", TruncatedCube());
        Assert.Contains("HDU 0: NAXIS: the header declares 32768000 bytes of data (BITPIX = -32, NAXISn = (64, 64, 2000)) but only 4096 bytes follow", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FitsReader_Truncated2D_RefusedAsTruncatedNotReadPastTheData()
    {
        // Before: read as "pixel (row 1, col 0) is NaN", CFITSIO filling what is not there.
        var e = Refused("t.fits", Truncated2D());
        Assert.Contains("declares 16384 bytes of data (BITPIX = -32, NAXISn = (64, 64)) but only 400 bytes follow: the file is truncated", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FitsReader_LastBlockPaddingMissing_ReadsTheImage()
    {
        // The data are all there, only the zero padding of the last block is cut: astropy reads it, so do we.
        var bytes = Concat(Header(ImageCards(true, -32, 8, 8)), Float32(64, 0.5f));
        var c = Assert.Single(CutoutReader.Read("short-pad.fits", bytes));
        Assert.All(c.Pixels, v => Assert.Equal(0.5f, v));
    }

    [Theory]
    [InlineData("BITPIX", 12, "BITPIX = 12 is not one of 8, 16, 32, 64, -32, -64")]
    [InlineData("NAXIS1", -5, "NAXIS1 = -5 is negative")]
    public void FitsReader_BadMandatoryValue_RefusedNamingKeyword(string key, int value, string message)
    {
        var cards = ImageCards(true, -32, 8, 8);
        cards[cards.FindIndex(c => c.StartsWith(key.PadRight(8), StringComparison.Ordinal))] = Card(key, value);
        Assert.Contains($"HDU 0: {key}: {message}", Refused("bad.fits", Concat(Header(cards), Padded(Float32(64)))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FitsReader_MandatoryKeywordsOutOfOrder_RefusedNamingKeyword()
    {
        var bytes = Concat(Header([Card("SIMPLE", true), Card("NAXIS", 2), Card("BITPIX", -32), Card("NAXIS1", 8), Card("NAXIS2", 8)]), Padded(Float32(64)));
        Assert.Contains("HDU 0: BITPIX: card 2 is 'NAXIS' where the standard requires BITPIX", Refused("order.fits", bytes).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FitsReader_NoEndCard_RefusedAsTruncatedHeader()
    {
        var bytes = Header(ImageCards(true, -32, 8, 8));
        bytes.AsSpan(5 * 80, 3).Fill((byte)' '); // blank out END
        Assert.Contains("HDU 0: header is truncated: no END card", Refused("noend.fits", bytes).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FitsReader_ExtensionWithGcountZero_RefusedNamingKeyword()
    {
        var ext = ImageCards(false, -32, 8, 8);
        ext[^1] = Card("GCOUNT", 0);
        var bytes = Concat(Header(ImageCards(true, 8)), Header(ext), Padded(Float32(64)));
        Assert.Contains("HDU 1: GCOUNT: an IMAGE extension must have PCOUNT = 0 and GCOUNT = 1, got 0 and 0", Refused("g.fits", bytes).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FitsReader_EmptyPrimaryZeroWidthExtensionAndSci_ReadsOnlySci()
    {
        // Before: refused as "cutouts differ in size" (the zero-width HDU was read as an image of no pixels).
        var zero = ImageCards(false, -32, 0, 8);
        zero.Add(Card("EXTNAME", "ZERO"));
        var sci = ImageCards(false, -32, 8, 8);
        sci.Add(Card("EXTNAME", "SCI"));
        var bytes = Concat(Header(ImageCards(true, 8)), Header(zero), Header(sci), Padded(Float32(64, 2f)));
        var c = Assert.Single(CutoutReader.Read("mixed.fits", bytes));
        Assert.Equal(("mixed.fits[SCI]", 8, 8), (c.Id, c.Height, c.Width));
        Assert.All(c.Pixels, v => Assert.Equal(2f, v));
    }

    [Fact]
    public void FitsReader_OnlyZeroLengthAxis_RefusedAsNoImageNotOverLimit()
    {
        // astropy's zerowidth.fits has a primary of NAXISn = (0, 777777701): before, "exceeds the limit".
        var e = Refused("zw.fits", Header(ImageCards(true, -32, 0, 777777701)));
        Assert.Equal("zw.fits: no image HDU with data among its 1 HDUs (HDU 0: NAXISn = (0, 777777701))", e.Message);
    }

    [Fact]
    public void FitsReader_RandomGroups_SkippedNotReadAsImage()
    {
        // GROUPS = T, NAXIS1 = 0: 3 groups of 2 parameters and an 8 x 8 array; before, misread as an image.
        var cards = ImageCards(true, -32, 0, 8, 8);
        cards.AddRange([Card("GROUPS", true), Card("PCOUNT", 2), Card("GCOUNT", 3)]);
        var groups = Concat(Header(cards), Padded(Float32(3 * (2 + 64))));
        Assert.Equal("groups.fits: no image HDU with data among its 1 HDUs (HDU 0: random groups)", Refused("groups.fits", groups).Message);

        var sci = ImageCards(false, -32, 8, 8);
        sci.Add(Card("EXTNAME", "SCI"));
        var withImage = Concat(groups, Header(sci), Padded(Float32(64)));
        Assert.Equal("g2.fits[SCI]", Assert.Single(CutoutReader.Read("g2.fits", withImage)).Id);
    }

    [Fact]
    public void FitsReader_TwoExtnames_UsesTheFirstAsAstropy()
    {
        var sci = ImageCards(false, -32, 8, 8);
        sci.AddRange([Card("EXTNAME", "SCI"), Card("EXTNAME", "OTHER")]);
        var bytes = Concat(Header(ImageCards(true, 8)), Header(sci), Padded(Float32(64)));
        Assert.Equal("two.fits[SCI]", Assert.Single(CutoutReader.Read("two.fits", bytes)).Id);
    }

    [Fact]
    public void FitsReader_TrailingGarbageAfterLastHdu_Ignored()
    {
        var bytes = Concat(Image(8, 8), "not an extension, just bytes"u8.ToArray(), new byte[3000]);
        Assert.Equal("trail.fits[0]", Assert.Single(CutoutReader.Read("trail.fits", bytes)).Id);
    }

    [Fact]
    public void FitsReader_CutoutSideOverLimit_RefusedBeforeReading()
    {
        var e = Refused("wide.fits", Image(8, 80), new ArrayLimits(MaxCutoutSide: 64));
        Assert.Equal("wide.fits: HDU 0: holds 8x80 cutouts, over the limit of 64 pixels per side", e.Message);
    }

    [Fact]
    public void FitsReader_CubeOverCutoutCountLimit_RefusedBeforeReading()
    {
        var bytes = Concat(Header(ImageCards(true, -32, 4, 4, 10)), Padded(Float32(160)));
        Assert.Equal("c.fits: HDU 0: holds 10 cutouts, over the limit of 5 per file", Refused("c.fits", bytes, new ArrayLimits(MaxCutouts: 5)).Message);
    }

    [Fact]
    public void FitsReader_Describe_ReadsShapesWithoutCfitsio()
    {
        var bytes = Concat(Header(ImageCards(true, -32, 4, 6, 3)), Padded(Float32(72)));
        var layout = FitsReader.Describe(bytes, "d.fits", ArrayLimits.Default);
        Assert.Equal(new CutoutArray("d.fits[0]", 3, 6, 4), Assert.Single(layout.Arrays));
        Assert.Equal(0, layout.DecompressedBytes);
    }

    /// <summary>The astropy-written seed of the fuzz test: HDUs 1-5 RICE_1, GZIP_2, HCOMPRESS_1, RICE_1 cube, GZIP_1.</summary>
    private static byte[] CompressedSeed()
    {
        using var s = typeof(FitsHostileTests).Assembly.GetManifestResourceStream("seed.fits.fz")!;
        using var ms = new MemoryStream();
        s.CopyTo(ms);
        return ms.ToArray();
    }

    /// <summary>Replaces the card <paramref name="key"/> of the header that starts at <paramref name="headerOffset"/>.</summary>
    private static byte[] WithCard(byte[] bytes, int headerOffset, string key, string card)
    {
        var copy = (byte[])bytes.Clone();
        for (int c = headerOffset; ; c += 80)
            if (System.Text.Encoding.ASCII.GetString(copy, c, 8).TrimEnd() == key)
            {
                System.Text.Encoding.ASCII.GetBytes(card.PadRight(80)).CopyTo(copy, c);
                return copy;
            }
    }

    [Fact]
    public void FitsReader_CompressedSeed_ReadsAllFiveImages() =>
        Assert.Equal(["s.fits.fz[RICE]", "s.fits.fz[GZIP]", "s.fits.fz[HC]", "s.fits.fz[CUBE]#0", "s.fits.fz[CUBE]#1", "s.fits.fz[GZ1]"],
            CutoutReader.Read("s.fits.fz", CompressedSeed()).Select(c => c.Id));

    [Fact]
    public void FitsReader_GzipHeaderRelabelledRice_RefusedInsteadOfSigfpe()
    {
        // Found by the fuzz test: HDU 2 (GZIP_2, ZVAL1 = NOISEBIT 0.0) relabelled RICE_1 gave RICE a BLOCKSIZE of 0: SIGFPE.
        var bytes = WithCard(CompressedSeed(), 8640, "ZCMPTYPE", Card("ZCMPTYPE", "RICE_1"));
        Assert.Contains("HDU 2: ZVAL1: RICE_1 reads ZVAL1 as BLOCKSIZE, and 0 is not a value it can use", Refused("r.fits.fz", bytes).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FitsReader_RiceBlocksizeEmpty_RefusedInsteadOfSigfpe()
    {
        // Found by the fuzz test: ZVAL1 = '' is read by CFITSIO as 0.
        var bytes = WithCard(CompressedSeed(), 2880, "ZVAL1", "ZVAL1   = ''");
        Assert.Contains("HDU 1: ZVAL1: a codec parameter must be a number", Refused("r.fits.fz", bytes).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FitsReader_CorruptGzipTile_RefusedInsteadOfEndlessInflate()
    {
        // Found by the fuzz test: header text spliced into the GZIP_1 heap of HDU 5 made CFITSIO grow one buffer
        // past 40 GB of address space without end.
        var bytes = CompressedSeed();
        Array.Copy(CompressedSeed(), 5198, bytes, 32311, 514);
        Assert.Matches(@"HDU 5: TFORM1: tile \d+: the gzip data of COMPRESSED_DATA are corrupt", Refused("g.fits.fz", bytes).Message);
    }

    [Fact]
    public void FitsReader_GzipTileCutShort_RefusedInsteadOfEndlessInflate()
    {
        // Found by the fuzz test: tile 12 of HDU 2 (GZIP_2) with its descriptor's length cut from 87 to 23 bytes
        // inflates without complaint in .NET, and CFITSIO loops on it without end.
        var bytes = CompressedSeed();
        bytes[11520 + 11 * 8 + 3] = 23;
        Assert.Contains("HDU 2: TFORM1: tile 12: the gzip data of COMPRESSED_DATA are corrupt or cut short", Refused("cut.fits.fz", bytes).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FitsReader_HcompressTileWithCorruptWidth_RefusedInsteadOfSegfault()
    {
        // Found by the fuzz test: one bit of the HCOMPRESS stream's nx (HDU 3, heap byte 4) made CFITSIO clear
        // 528 x 16 pixels of a 16 x 16 tile buffer: SIGSEGV.
        var bytes = CompressedSeed();
        bytes[17292] ^= 2;
        Assert.Contains("HDU 3: TFORM1: tile 1: the HCOMPRESS data of COMPRESSED_DATA declare 528 x 16 pixels (scale 0) for a tile of 256", Refused("hc.fits.fz", bytes).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FitsReader_TileDescriptorOutsideHeap_RefusedNamingColumn()
    {
        var bytes = CompressedSeed();
        bytes[5760 + 4] = 0x7F; // HDU 1, row 1: heap offset 0x7F000000
        Assert.Contains("HDU 1: TFORM1: tile 1: the COMPRESSED_DATA descriptor (20 elements at heap offset 2130706432) points outside the heap of 311 bytes",
            Refused("d.fits.fz", bytes).Message, StringComparison.Ordinal);
    }
}
