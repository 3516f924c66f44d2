using ScoreBatch.Storage.Formats;

namespace ScoreBatch.Storage.Tests;

public class EqxLeavesTests
{
    private static byte[] Write(params EqxLeaf[] leaves)
    {
        using var ms = new MemoryStream();
        EqxLeaves.Write(ms, leaves);
        return ms.ToArray();
    }

    [Fact]
    public void WriteThenRead_ArraysAndFloat64Scalar_RoundTripWithDtypes()
    {
        var bytes = Write(EqxLeaf.OfFloat32([2, 3], [1, 2, 3, 4, 5, 6]), EqxLeaf.OfFloat32([3, 1, 1], [0.5f, -1, 2]), EqxLeaf.OfFloat64Scalar(0.1));
        var leaves = EqxLeaves.Read(bytes, "m.eqx");
        Assert.Equal(["<f4", "<f4", "<f8"], leaves.Select(l => l.Dtype));
        Assert.Equal([3, 1, 1], leaves[1].Shape);
        Assert.Equal(new float[] { 0.5f, -1, 2 }, leaves[1].Data);
        Assert.Empty(leaves[2].Shape);
        Assert.Equal([0.1], leaves[2].Float64!); // exact double, not the float32 view
    }

    [Fact]
    public void Read_TruncatedLastLeaf_ThrowsNamingLeaf()
    {
        var bytes = Write(EqxLeaf.OfFloat32([4], [1, 2, 3, 4]), EqxLeaf.OfFloat32([8], new float[8]));
        var e = Assert.Throws<CutoutFormatException>(() => EqxLeaves.Read(bytes.AsSpan(0, bytes.Length - 5), "m.eqx"));
        Assert.Equal("m.eqx leaf 1", e.File);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void Read_GarbageAfterLeaves_ThrowsNamingLeaf()
    {
        var bytes = Write(EqxLeaf.OfFloat32([1], [1])).Concat(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 }).ToArray();
        var e = Assert.Throws<CutoutFormatException>(() => EqxLeaves.Read(bytes, "m.eqx"));
        Assert.Equal("m.eqx leaf 1", e.File);
        Assert.Contains("not an .npy file", e.Message);
    }

    [Fact]
    public void Write_UnsupportedDtype_ThrowsNamingIt()
    {
        var e = Assert.Throws<ArgumentException>(() => Write(new EqxLeaf("<i4", [1], [1])));
        Assert.Contains("'<i4'", e.Message);
    }
}
