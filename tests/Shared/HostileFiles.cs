using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace ScoreBatch.Tests.Shared;

/// <summary>
/// Hand-built FITS and .npy files for the hostile-format tests (issue 9): headers written card by card, so that a
/// test can declare what no writer library would (NAXIS = 999, data that is not there, two EXTNAMEs), and the
/// exact files that crashed or misled the reader before.
/// </summary>
internal static class HostileFiles
{
    /// <summary>One 80-character header card: logical T/F, integer, real or quoted string value.</summary>
    public static string Card(string key, object value) => value switch
    {
        bool b => $"{key,-8}= {(b ? "T" : "F"),20}",
        string s => $"{key,-8}= '{s.Replace("'", "''", StringComparison.Ordinal),-8}'",
        double d => $"{key,-8}= {d.ToString("R", CultureInfo.InvariantCulture),20}",
        _ => $"{key,-8}= {Convert.ToString(value, CultureInfo.InvariantCulture),20}",
    };

    /// <summary>A header of <paramref name="cards"/> and END, padded with spaces to whole 2880-byte blocks.</summary>
    public static byte[] Header(IEnumerable<string> cards)
    {
        var text = new StringBuilder();
        foreach (var c in cards.Append("END")) text.Append(c.PadRight(80)[..80]);
        while (text.Length % 2880 != 0) text.Append(' ');
        return Encoding.ASCII.GetBytes(text.ToString());
    }

    /// <summary>Data padded with zeros to whole 2880-byte blocks, as the standard asks.</summary>
    public static byte[] Padded(byte[] data)
    {
        var padded = new byte[(data.Length + 2879) / 2880 * 2880];
        data.CopyTo(padded, 0);
        return padded;
    }

    /// <summary>Big-endian float32 data (BITPIX = -32) of <paramref name="count"/> pixels with value <paramref name="value"/>.</summary>
    public static byte[] Float32(int count, float value = 1f)
    {
        var bytes = new byte[count * 4];
        for (int i = 0; i < count; i++) BinaryPrimitives.WriteSingleBigEndian(bytes.AsSpan(i * 4), value);
        return bytes;
    }

    /// <summary>The cards of an image header: SIMPLE (primary) or XTENSION = 'IMAGE', BITPIX, NAXIS and NAXISn (fastest first).</summary>
    public static List<string> ImageCards(bool primary, int bitpix, params long[] axes)
    {
        var cards = new List<string> { primary ? Card("SIMPLE", true) : Card("XTENSION", "IMAGE"), Card("BITPIX", bitpix), Card("NAXIS", axes.Length) };
        for (int i = 0; i < axes.Length; i++) cards.Add(Card($"NAXIS{i + 1}", axes[i]));
        if (!primary) cards.AddRange([Card("PCOUNT", 0), Card("GCOUNT", 1)]);
        return cards;
    }

    /// <summary>A single-HDU float32 image file [height x width] filled with <paramref name="value"/>.</summary>
    public static byte[] Image(int height, int width, float value = 1f) =>
        [.. Header(ImageCards(true, -32, width, height)), .. Padded(Float32(height * width, value))];

    /// <summary>NAXIS = 999 with every axis 1: killed the process with SIGSEGV inside CFITSIO before issue 9.</summary>
    public static byte[] Naxis999() =>
        [.. Header(ImageCards(true, -32, Enumerable.Repeat(1L, 999).ToArray())), .. Padded(Float32(1))];

    /// <summary>A 64 x 64 x 2000 cube header with only 4 KiB of data after it: SIGSEGV before issue 9.</summary>
    public static byte[] TruncatedCube() => [.. Header(ImageCards(true, -32, 64, 64, 2000)), .. new byte[4096]];

    /// <summary>A 64 x 64 image header with 400 bytes of its 16 KiB of data: read as "pixel (row 1, col 0) is NaN" before.</summary>
    public static byte[] Truncated2D() => [.. Header(ImageCards(true, -32, 64, 64)), .. Float32(100)];

    /// <summary>An .npy v1.0 file with the given header dictionary text and payload.</summary>
    public static byte[] Npy(string dict, byte[] payload)
    {
        var total = 10 + dict.Length + 1;
        var header = dict + new string(' ', (64 - total % 64) % 64) + "\n";
        var bytes = new List<byte> { 0x93 };
        bytes.AddRange("NUMPY"u8.ToArray());
        bytes.AddRange([1, 0]);
        var len = new byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(len, (ushort)header.Length);
        bytes.AddRange(len);
        bytes.AddRange(Encoding.Latin1.GetBytes(header));
        bytes.AddRange(payload);
        return [.. bytes];
    }
}
