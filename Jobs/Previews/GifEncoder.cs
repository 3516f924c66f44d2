namespace ScoreBatch.Jobs.Previews;

/// <summary>
/// A minimal GIF89a writer for grey animations: a 256-level grey global palette, one image per frame with a fixed
/// delay, looping forever (NETSCAPE2.0 extension). The LZW stream sends every pixel as a literal 9-bit code and a
/// clear code every 254 codes, so the decoder's table never grows past 9 bits: valid LZW that any decoder reads,
/// at 9/8 of the raw size (small cutouts; no compression needed), and simple enough to be obviously right.
/// </summary>
public static class GifEncoder
{
    private const int ClearCode = 256;
    private const int EndCode = 257;
    private const int LiteralsPerClear = 254; // after a clear, 254 codes add 253 entries: next code 511 < 512, still 9 bits

    /// <summary>
    /// Encodes <paramref name="frames"/>, each [height x width] row-major grey levels 0-255 (row 0 at the top),
    /// shown <paramref name="delayCentiseconds"/> each.
    /// </summary>
    public static byte[] Encode(IReadOnlyList<byte[]> frames, int width, int height, int delayCentiseconds = 25)
    {
        ArgumentNullException.ThrowIfNull(frames);
        if (frames.Count == 0) throw new ArgumentException("a GIF needs at least one frame", nameof(frames));
        if (width is < 1 or > 65535 || height is < 1 or > 65535) throw new ArgumentOutOfRangeException(nameof(width), $"{width}x{height} is not a GIF size");
        ArgumentOutOfRangeException.ThrowIfNegative(delayCentiseconds);
        using var output = new MemoryStream();
        output.Write("GIF89a"u8);
        WriteUInt16(output, width);
        WriteUInt16(output, height);
        output.WriteByte(0xF7); // global colour table, 8 bits of colour resolution, 2^(7+1) = 256 entries
        output.WriteByte(0); // background colour index
        output.WriteByte(0); // no aspect ratio
        for (var i = 0; i < 256; i++)
        {
            output.WriteByte((byte)i);
            output.WriteByte((byte)i);
            output.WriteByte((byte)i);
        }
        // NETSCAPE2.0 application extension: loop count 0 = forever.
        output.Write([0x21, 0xFF, 0x0B]);
        output.Write("NETSCAPE2.0"u8);
        output.Write([0x03, 0x01, 0x00, 0x00, 0x00]);
        foreach (var frame in frames)
        {
            if (frame.Length != width * height) throw new ArgumentException($"a frame has {frame.Length} pixels, expected {width}x{height}", nameof(frames));
            output.Write([0x21, 0xF9, 0x04, 0x04]); // graphic control: disposal 1 (leave in place), no transparency
            WriteUInt16(output, delayCentiseconds);
            output.Write([0x00, 0x00]);
            output.WriteByte(0x2C); // image descriptor at (0, 0), full size, no local palette, not interlaced
            WriteUInt16(output, 0);
            WriteUInt16(output, 0);
            WriteUInt16(output, width);
            WriteUInt16(output, height);
            output.WriteByte(0);
            output.WriteByte(8); // LZW minimum code size
            WriteSubBlocks(output, Lzw(frame));
        }
        output.WriteByte(0x3B);
        return output.ToArray();
    }

    /// <summary>Clear, then each pixel as a 9-bit literal with a clear every 254 codes, then end; bits packed LSB first.</summary>
    private static byte[] Lzw(byte[] pixels)
    {
        var bytes = new List<byte>((pixels.Length * 9 / 8) + 16);
        int buffer = 0, bits = 0;
        void Emit(int code)
        {
            buffer |= code << bits;
            bits += 9;
            while (bits >= 8)
            {
                bytes.Add((byte)(buffer & 0xFF));
                buffer >>= 8;
                bits -= 8;
            }
        }
        Emit(ClearCode);
        for (var i = 0; i < pixels.Length; i++)
        {
            if (i > 0 && i % LiteralsPerClear == 0) Emit(ClearCode);
            Emit(pixels[i]);
        }
        Emit(EndCode);
        if (bits > 0) bytes.Add((byte)(buffer & 0xFF));
        return [.. bytes];
    }

    private static void WriteSubBlocks(Stream output, byte[] data)
    {
        for (var offset = 0; offset < data.Length; offset += 255)
        {
            var length = Math.Min(255, data.Length - offset);
            output.WriteByte((byte)length);
            output.Write(data, offset, length);
        }
        output.WriteByte(0);
    }

    private static void WriteUInt16(Stream output, int value)
    {
        output.WriteByte((byte)(value & 0xFF));
        output.WriteByte((byte)(value >> 8));
    }
}
