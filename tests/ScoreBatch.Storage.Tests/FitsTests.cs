using System.Text;
using ScoreBatch.Storage.Formats;
using ScoreBatch.Storage.Formats.Fits;

namespace ScoreBatch.Storage.Tests;

public class FitsTests
{
    private static readonly (string, object)[] NoCards = [];

    /// <summary>A FITS primary header of 80-character cards padded to one 2880-byte block, with no data after it.</summary>
    private static byte[] HeaderOnly(params string[] cards)
    {
        var text = new StringBuilder();
        foreach (var c in cards.Append("END")) text.Append(c.PadRight(80));
        while (text.Length % 2880 != 0) text.Append(' ');
        return Encoding.ASCII.GetBytes(text.ToString());
    }

    private static IEnumerable<KeyValuePair<string, object>> Cards(params (string Key, object Value)[] cards) =>
        cards.Select(c => new KeyValuePair<string, object>(c.Key, c.Value));

    [Fact]
    public void FitsWriter_Image_ReadsBackWithIdAndValues()
    {
        float[] pixels = [0f, 1.5f, -2.25f, 3e-8f, 7f, float.MinValue];
        var bytes = FitsWriter.Write(pixels, [2, 3], Cards(NoCards));
        Assert.Equal(0, bytes.Length % 2880);
        var cutouts = CutoutReader.Read("maps/a.fits", bytes);
        var c = Assert.Single(cutouts);
        Assert.Equal("maps/a.fits[0]", c.Id);
        Assert.Equal((2, 3), (c.Height, c.Width));
        Assert.Equal(pixels, c.Pixels);
    }

    [Fact]
    public void FitsWriter_Cube_ReadsBackAsStackWithPlaneIds()
    {
        var pixels = Enumerable.Range(0, 2 * 3 * 4).Select(i => i * 0.5f).ToArray();
        var bytes = FitsWriter.Write(pixels, [2, 3, 4], Cards(("JOBID", "j1")));
        var cutouts = CutoutReader.Read("c.fit", bytes);
        Assert.Equal(["c.fit[0]#0", "c.fit[0]#1"], cutouts.Select(c => c.Id));
        Assert.Equal(pixels.AsSpan(12, 12).ToArray(), cutouts[1].Pixels);
        Assert.Equal((3, 4), (cutouts[1].Height, cutouts[1].Width));
    }

    [Fact]
    public void FitsWriter_BadKeyword_ThrowsNamingIt()
    {
        var e = Assert.Throws<ArgumentException>(() => FitsWriter.Write(new float[4], [2, 2], Cards(("TOOLONGKEY", "x"))));
        Assert.Contains("TOOLONGKEY", e.Message);
        e = Assert.Throws<ArgumentException>(() => FitsWriter.Write(new float[4], [2, 2], Cards(("NAXIS1", 3))));
        Assert.Contains("NAXIS1", e.Message);
    }

    [Fact]
    public void FitsWriter_ShapeMismatch_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => FitsWriter.Write(new float[5], [2, 2], Cards(NoCards)));
        Assert.Contains("(2, 2) holds 4 pixels but 5", e.Message);
    }

    [Fact]
    public void FitsReader_HugeNaxisInHeader_RejectedBeforeAllocation()
    {
        // 100000 x 100000 float32 = 40 GB declared, no data: must fail on the header, not on allocation.
        var bytes = HeaderOnly("SIMPLE  =                    T", "BITPIX  =                  -32", "NAXIS   =                    2",
            "NAXIS1  =               100000", "NAXIS2  =               100000");
        var e = Assert.Throws<CutoutFormatException>(() => CutoutReader.Read("huge.fits", bytes));
        Assert.Equal("huge.fits", e.File);
        Assert.Contains("HDU 0: NAXIS: the header declares 40000000000 bytes of data", e.Message);
        Assert.Contains("but only 0 bytes follow", e.Message);
    }

    [Fact]
    public void FitsReader_NotFits_ThrowsNamingFile()
    {
        var e = Assert.Throws<CutoutFormatException>(() => CutoutReader.Read("x.fits", new byte[3000]));
        Assert.Equal("x.fits", e.File);
        Assert.Contains("does not start with the card SIMPLE = T", e.Message);
        e = Assert.Throws<CutoutFormatException>(() => CutoutReader.Read("y.fits", new byte[10]));
        Assert.Contains("shorter than one 2880-byte FITS block", e.Message);
    }

    [Fact]
    public void FitsReader_EmptyPrimaryOnly_ThrowsNoImage()
    {
        var bytes = HeaderOnly("SIMPLE  =                    T", "BITPIX  =                    8", "NAXIS   =                    0");
        var e = Assert.Throws<CutoutFormatException>(() => CutoutReader.Read("empty.fits", bytes));
        Assert.Contains("no image HDU with data among its 1 HDUs", e.Message);
    }

    [Fact]
    public void FitsReader_OneDimensionalImage_ThrowsNamingShape()
    {
        var bytes = HeaderOnly("SIMPLE  =                    T", "BITPIX  =                  -32", "NAXIS   =                    1", "NAXIS1  =                    5")
            .Concat(new byte[2880]).ToArray();
        var e = Assert.Throws<CutoutFormatException>(() => CutoutReader.Read("line.fits", bytes));
        Assert.Contains("HDU 0: expected a 2-D image or a 3-D cube, got NAXISn = (5)", e.Message);
    }

    [Fact]
    public void CfitsioLibrary_Missing_MessageNamesDebianPackage()
    {
        var e = Assert.Throws<DllNotFoundException>(() => CfitsioLibrary.Load(["libcfitsio-absent.so.99"]));
        Assert.Contains("libcfitsio10", e.Message);
        Assert.Contains("libcfitsio-absent.so.99", e.Message);
    }

    [Fact]
    public void CfitsioLibrary_Installed_ReportsVersion4()
    {
        // Debian 12 ships CFITSIO 4.2; tile compression and long strings need 3.x or later.
        Assert.InRange(CfitsioLibrary.Version(), 4.0f, 5.0f);
    }

    [Theory]
    [InlineData("a/b.fits[SCI]#3", "a/b.fits", "[SCI]#3")]
    [InlineData("b.fits.fz[1]", "b.fits.fz", "[1]")]
    [InlineData("s.npz:imgs#2", "s.npz", ":imgs#2")]
    [InlineData("x.npy", "x.npy", "")]
    public void FitsProvenance_SplitId_SeparatesFileAndHdu(string id, string file, string hdu) =>
        Assert.Equal((file, hdu), FitsProvenance.SplitId(id));
}
