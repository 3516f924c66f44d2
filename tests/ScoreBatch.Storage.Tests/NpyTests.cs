using System.Buffers.Binary;
using System.Text;
using ScoreBatch.Storage.Formats;

namespace ScoreBatch.Storage.Tests;

public class NpyTests
{
    /// <summary>Builds an .npy v1.0 file with an arbitrary header dictionary and payload, as numpy would.</summary>
    private static byte[] Build(string dict, byte[] payload)
    {
        int pad = (64 - (10 + dict.Length + 1) % 64) % 64;
        var header = Encoding.Latin1.GetBytes(dict + new string(' ', pad) + "\n");
        var bytes = new byte[10 + header.Length + payload.Length];
        new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 }.CopyTo(bytes, 0);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)header.Length);
        header.CopyTo(bytes, 10);
        payload.CopyTo(bytes, 10 + header.Length);
        return bytes;
    }

    [Fact]
    public void Npy_WriteThenRead_RoundTripsValuesAndShape()
    {
        float[] data = [0f, 1.5f, -2.25f, 3e-8f, float.MaxValue, 6f];
        var bytes = Npy.ToBytes(data, [2, 3]);
        Assert.Equal(0, (bytes.Length - data.Length * 4) % 64); // data start on a 64-byte boundary, as numpy writes
        var back = Npy.Read(bytes, "a.npy");
        Assert.Equal([2, 3], back.Shape);
        Assert.Equal(data, back.Data);
    }

    [Fact]
    public void Npy_BigEndianInt16_ConvertsToFloat()
    {
        var payload = new byte[6];
        BinaryPrimitives.WriteInt16BigEndian(payload.AsSpan(0), -300);
        BinaryPrimitives.WriteInt16BigEndian(payload.AsSpan(2), 7);
        BinaryPrimitives.WriteInt16BigEndian(payload.AsSpan(4), 32767);
        var a = Npy.Read(Build("{'descr': '>i2', 'fortran_order': False, 'shape': (3,), }", payload), "be.npy");
        Assert.Equal(new float[] { -300, 7, 32767 }, a.Data);
    }

    [Fact]
    public void Npy_FortranOrder_IsReorderedToRowMajor()
    {
        // The 2x3 matrix [[1,2,3],[4,5,6]] stored column-major is 1,4,2,5,3,6.
        var payload = new float[] { 1, 4, 2, 5, 3, 6 }.SelectMany(BitConverter.GetBytes).ToArray();
        var a = Npy.Read(Build("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", payload), "f.npy");
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6 }, a.Data);
    }

    [Fact]
    public void Npy_Float64_IsNarrowedToFloat32()
    {
        var payload = new double[] { 0.1, -1e10 }.SelectMany(BitConverter.GetBytes).ToArray();
        var a = Npy.Read(Build("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", payload), "d.npy");
        Assert.Equal(new[] { 0.1f, -1e10f }, a.Data);
    }

    [Theory]
    [InlineData("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", "object arrays")]
    [InlineData("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", "structured")]
    [InlineData("{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }", "unsupported dtype")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000, 1000000), }", "exceeds the limit")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", "truncated")]
    // numpy 1.24 reads a repeated key with the last value (here int16) and refuses unknown keys: both refused (issue 9).
    [InlineData("{'descr': '<f4', 'descr': '<i2', 'fortran_order': False, 'shape': (2,), }", "the key 'descr' appears twice (numpy would silently use the last one)")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'shape': (1,), }", "the key 'shape' appears twice")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1, }", "unknown key 'extra'")]
    public void Npy_InvalidHeader_FailsNamingTheFile(string dict, string expected)
    {
        var ex = Assert.Throws<CutoutFormatException>(() => Npy.Read(Build(dict, new byte[8]), "bad.npy"));
        Assert.Equal("bad.npy", ex.File);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Npy_WrongMagicOrEmpty_FailsWithClearMessage()
    {
        Assert.Contains("wrong magic", Assert.Throws<CutoutFormatException>(() => Npy.Read("PK\x03\x04 not numpy"u8.ToArray(), "x.npy")).Message, StringComparison.Ordinal);
        Assert.Contains("empty file", Assert.Throws<CutoutFormatException>(() => Npy.Read([], "x.npy")).Message, StringComparison.Ordinal);
    }
}
