using System.IO.Compression;
using ScoreBatch.Storage.Formats;

namespace ScoreBatch.Storage.Tests;

public class NpzTests
{
    private static byte[] Zip(params (string Name, byte[] Data)[] members)
    {
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var (name, data) in members)
            {
                using var s = zip.CreateEntry(name, CompressionLevel.Fastest).Open();
                s.Write(data);
            }
        return ms.ToArray();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Npz_WriteThenRead_GivesMemberAndStackIds(bool compress)
    {
        var image = Enumerable.Range(0, 6).Select(i => (float)i).ToArray();
        var stack = Enumerable.Range(0, 12).Select(i => -i * 0.25f).ToArray();
        var bytes = Npz.Write([("image", image, [2, 3]), ("stack", stack, [2, 2, 3])], compress);
        var cutouts = CutoutReader.Read("in/s.npz", bytes);
        Assert.Equal(["in/s.npz:image", "in/s.npz:stack#0", "in/s.npz:stack#1"], cutouts.Select(c => c.Id));
        Assert.Equal(image, cutouts[0].Pixels);
        Assert.Equal(stack.AsSpan(6, 6).ToArray(), cutouts[2].Pixels);
    }

    [Fact]
    public void Npz_TooManyMembers_RejectedBeforeInflating()
    {
        var members = Enumerable.Range(0, 5).Select(i => ($"m{i}.npy", Npy.ToBytes(new float[1], [1, 1]))).ToArray();
        var e = Assert.Throws<CutoutFormatException>(() => Npz.Read(Zip(members), "many.npz", new ArrayLimits(MaxArchiveMembers: 4)));
        Assert.Contains("5 members, more than the limit of 4", e.Message);
    }

    [Fact]
    public void Npz_DeclaredSizeOverLimit_RejectedBeforeInflating()
    {
        // 1 MB of zeros deflates to about 10 KB: the declared size, not the compressed one, is what counts.
        var bomb = Zip(("big.npy", Npy.ToBytes(new float[1 << 18], [512, 512])));
        Assert.True(bomb.Length < 20_000, $"fixture compressed to {bomb.Length} bytes");
        var e = Assert.Throws<CutoutFormatException>(() => Npz.Read(bomb, "bomb.npz", new ArrayLimits(MaxDecompressedBytes: 100_000)));
        Assert.Contains("more than the limit of 100000", e.Message);
    }

    [Fact]
    public void Npz_MemberLargerThanDeclared_InflatesNoFurtherThanDeclared()
    {
        var bytes = Zip(("a.npy", Npy.ToBytes(new float[64], [8, 8])));
        // Lower the uncompressed size in both the local header (offset 22) and the central directory (offset 24).
        int local = 0, central = FindSignature(bytes, 0x02014b50);
        uint real = BitConverter.ToUInt32(bytes, central + 24);
        BitConverter.GetBytes(real - 100).CopyTo(bytes, local + 22);
        BitConverter.GetBytes(real - 100).CopyTo(bytes, central + 24);
        // Only the declared bytes are inflated, so the .npy inside is seen as cut short.
        var e = Assert.Throws<CutoutFormatException>(() => Npz.Read(bytes, "lie.npz"));
        Assert.Equal("lie.npz:a", e.File);
        Assert.Contains($"only {256 - 100} bytes follow", e.Message);
    }

    private static int FindSignature(byte[] bytes, uint signature)
    {
        for (int i = 0; i + 4 <= bytes.Length; i++)
            if (BitConverter.ToUInt32(bytes, i) == signature) return i;
        throw new InvalidOperationException("signature not found");
    }

    [Fact]
    public void Npz_NonNpyMember_ThrowsNamingIt()
    {
        var e = Assert.Throws<CutoutFormatException>(() => Npz.Read(Zip(("notes.txt", [1, 2, 3])), "x.npz"));
        Assert.Contains("member 'notes.txt' is not an .npy array", e.Message);
    }

    [Fact]
    public void Npz_NotAZip_ThrowsNamingFile()
    {
        var e = Assert.Throws<CutoutFormatException>(() => CutoutReader.Read("junk.npz", new byte[100]));
        Assert.Equal("junk.npz", e.File);
        Assert.Contains("not an .npz (zip) archive", e.Message);
    }

    [Fact]
    public void Npz_MemberOverCutoutSide_RefusedFromItsHeaderBeforeInflating()
    {
        var wide = Zip(("wide.npy", Npy.ToBytes(new float[80 * 80], [80, 80])));
        var e = Assert.Throws<CutoutFormatException>(() => CutoutReader.Read("w.npz", wide, new ArrayLimits(MaxCutoutSide: 64)));
        Assert.Equal(("w.npz:wide", "w.npz:wide: holds 80x80 cutouts, over the limit of 64 pixels per side"), (e.File, e.Message));
    }

    [Fact]
    public void Npz_StackOverCutoutCount_RefusedFromItsHeader()
    {
        var stack = Zip(("s.npy", Npy.ToBytes(new float[10 * 4 * 4], [10, 4, 4])));
        var e = Assert.Throws<CutoutFormatException>(() => CutoutReader.Read("s.npz", stack, new ArrayLimits(MaxCutouts: 5)));
        Assert.Contains("holds 10 cutouts, over the limit of 5 per file", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Npz_Describe_GivesShapesAndDeclaredBytesWithoutInflatingTheData()
    {
        var bytes = Zip(("a.npy", Npy.ToBytes(new float[3 * 8 * 8], [3, 8, 8])), ("b.npy", Npy.ToBytes(new float[16], [4, 4])));
        var layout = CutoutReader.Describe("d.npz", bytes, ArrayLimits.Default);
        Assert.Equal([new CutoutArray("d.npz:a", 3, 8, 8), new CutoutArray("d.npz:b", 1, 4, 4)], layout.Arrays);
        Assert.Equal(4, layout.CutoutCount);
        Assert.Equal(128 + 3 * 8 * 8 * 4 + 128 + 16 * 4, layout.DecompressedBytes);
    }
}
