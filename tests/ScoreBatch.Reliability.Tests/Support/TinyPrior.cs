using System.Buffers.Binary;
using System.Text;
using ScoreBatch.Jobs.Model;
using ScoreBatch.Jobs.Transforms;
using ScoreBatch.Storage.Formats;

namespace ScoreBatch.Reliability.Tests.Support;

/// <summary>
/// A tiny scoring prior and cutouts for fast jobs: an 8² mixer (width 16, one block, MLP widths 32: a few thousand
/// parameters, a checkpoint of tens of kB) trained in the log1p space, and 8x8 cutouts of positive pixels.
/// </summary>
public static class TinyPrior
{
    public const int Size = 8;

    public static ScoreNetOptions Options { get; } = new()
    {
        ImageSize = Size,
        Width = 16,
        TokenMlpWidth = 32,
        ChannelMlpWidth = 32,
        Blocks = 1,
    };

    private static readonly Lazy<byte[]> CheckpointBytes = new(() =>
    {
        using var model = ScoreNetFactory.Create(Options);
        using var ms = new MemoryStream();
        ScoreBatch.Jobs.Training.Checkpoint.FromModel(model, new Log1pTransform()).Save(ms);
        return ms.ToArray();
    });

    /// <summary>The checkpoint file (SBCKPT) of the tiny prior; the same bytes every call.</summary>
    public static byte[] Checkpoint() => CheckpointBytes.Value;

    /// <summary>A float32 .npy stack [count x size x size] of positive pixels that vary with <paramref name="seed"/>.</summary>
    public static byte[] Cutouts(int count, int seed = 0, int size = Size)
    {
        var data = new float[count * size * size];
        for (int i = 0; i < data.Length; i++) data[i] = 0.05f + ((i * 7 + seed * 13) % 97) / 97f;
        return Npy.ToBytes(data, count == 1 ? [size, size] : [count, size, size]);
    }

    /// <summary>A float32 [size x size] .npy whose pixel 0 is <paramref name="first"/> (NaN, infinity, -1, ...).</summary>
    public static byte[] CutoutWithPixel(float first)
    {
        var data = new float[Size * Size];
        Array.Fill(data, 0.5f);
        data[0] = first;
        return Npy.ToBytes(data, [Size, Size]);
    }

    /// <summary>An .npy file with a hand-written header (any dtype and shape) followed by <paramref name="payloadBytes"/> zero bytes.</summary>
    public static byte[] NpyWithHeader(string descr, string shape, int payloadBytes)
    {
        var dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}";
        var total = 10 + dict.Length + 1;
        var padded = dict + new string(' ', (64 - total % 64) % 64) + "\n";
        var bytes = new List<byte> { 0x93 };
        bytes.AddRange("NUMPY"u8.ToArray());
        bytes.Add(1);
        bytes.Add(0);
        var len = new byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(len, (ushort)padded.Length);
        bytes.AddRange(len);
        bytes.AddRange(Encoding.ASCII.GetBytes(padded));
        bytes.AddRange(new byte[payloadBytes]);
        return [.. bytes];
    }

    /// <summary>The tiny checkpoint with its header claiming another architecture ("unet"); the payload is untouched.</summary>
    public static byte[] CheckpointOfOtherArchitecture()
    {
        var bytes = Checkpoint();
        const int magic = 8; // "SBCKPT\r\n"
        int headerLength = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(magic, 4));
        var json = Encoding.UTF8.GetString(bytes, magic + 4, headerLength);
        var other = json.Replace("\"mixer\"", "\"unet\"", StringComparison.Ordinal);
        if (other == json) throw new InvalidOperationException("the checkpoint header does not name the mixer architecture");
        var otherBytes = Encoding.UTF8.GetBytes(other);
        var result = new byte[magic + 4 + otherBytes.Length + bytes.Length - (magic + 4 + headerLength)];
        bytes.AsSpan(0, magic).CopyTo(result);
        BinaryPrimitives.WriteInt32LittleEndian(result.AsSpan(magic, 4), otherBytes.Length);
        otherBytes.CopyTo(result.AsSpan(magic + 4));
        bytes.AsSpan(magic + 4 + headerLength).CopyTo(result.AsSpan(magic + 4 + otherBytes.Length));
        return result;
    }
}
