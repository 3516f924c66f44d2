using System.Buffers.Binary;
using System.IO.Compression;
using System.Text.RegularExpressions;

namespace ScoreBatch.Storage.Formats.Fits;

/// <summary>
/// Checks the binary table of a tile-compressed image before CFITSIO decompresses it (FITS 4.0 10.1): the columns'
/// TFORMn widths add up to NAXIS1, every tile's variable-length descriptor points inside the heap, and every gzip
/// tile (GZIP_1, GZIP_2, and the GZIP_COMPRESSED_DATA fallback column) inflates, in managed code, to at most the
/// tile's size and matches its gzip trailer. The fuzz test found CFITSIO 4.2 looping without end on a corrupt or cut
/// gzip tile, growing one buffer past 40 GB of address space; the RICE, HCOMPRESS and PLIO decoders write at most
/// one tile and stop, once the HCOMPRESS stream's own header is checked against its tile.
/// </summary>
internal static partial class FitsTiles
{
    private static readonly string[] TileColumns = ["COMPRESSED_DATA", "GZIP_COMPRESSED_DATA", "UNCOMPRESSED_DATA"];

    /// <summary>One column of the table: its byte offset in a row, width, and for P/Q descriptors the element size.</summary>
    private sealed record Column(int Number, string Name, long Offset, long Width, char Type, int ElementSize);

    internal static void Check(ReadOnlySpan<byte> bytes, FitsHeader h, long dataOffset, long pcount, string codec, long[] axes, long[] tile, int zbitpix)
    {
        long width = h.MandatoryInteger(3, "NAXIS1"), rows = h.MandatoryInteger(4, "NAXIS2");
        var columns = Columns(h, width);
        long table = width * rows;
        long heapStart = h.Integer("THEAP") ?? table;
        long heapSize = pcount - (heapStart - table);
        if (heapStart < table || heapSize < 0)
            throw h.Refuse("THEAP", $"THEAP = {heapStart} puts the heap outside the data (table {table} bytes, PCOUNT = {pcount})");
        long tileBytes = Math.Max(8, tile.Aggregate(1L, (a, b) => a * b) * Math.Max(8, Math.Abs(zbitpix) / 8));
        foreach (var c in columns.Where(c => c.Type is 'P' or 'Q' && TileColumns.Contains(c.Name)))
        {
            bool gzip = c.Name == "GZIP_COMPRESSED_DATA" || (c.Name == "COMPRESSED_DATA" && codec is "GZIP_1" or "GZIP_2");
            for (long r = 0; r < rows; r++)
            {
                var at = bytes.Slice((int)(dataOffset + r * width + c.Offset), (int)c.Width);
                long count = c.Type == 'P' ? BinaryPrimitives.ReadInt32BigEndian(at) : BinaryPrimitives.ReadInt64BigEndian(at);
                long offset = c.Type == 'P' ? BinaryPrimitives.ReadInt32BigEndian(at[4..]) : BinaryPrimitives.ReadInt64BigEndian(at[8..]);
                if (count < 0 || offset < 0 || count > (heapSize - offset) / c.ElementSize || offset > heapSize)
                    throw h.Refuse($"TFORM{c.Number}", $"tile {r + 1}: the {c.Name} descriptor ({count} elements at heap offset {offset}) points outside the heap of {heapSize} bytes");
                var data = bytes.Slice((int)(dataOffset + heapStart + offset), (int)(count * c.ElementSize));
                if (gzip && count > 0)
                    CheckGzip(data, tileBytes, h, c, r);
                else if (codec == "HCOMPRESS_1" && c.Name == "COMPRESSED_DATA" && count > 0)
                    CheckHcompress(data, TilePixels(axes, tile, r), h, c, r);
            }
        }
    }

    /// <summary>
    /// Inflates one gzip tile and checks its trailer: the CRC-32 and length (ISIZE) of what it inflated to must be the
    /// stream's last 8 bytes. .NET's inflater reads a truncated stream without complaint, while CFITSIO loops on it
    /// without end; the trailer shows the cut (a file cut or corrupted by accident never passes it).
    /// </summary>
    private static unsafe void CheckGzip(ReadOnlySpan<byte> compressed, long tileBytes, FitsHeader h, Column c, long row)
    {
        string where = $"tile {row + 1}: the gzip data of {c.Name}";
        if (compressed.Length < 18) throw h.Refuse($"TFORM{c.Number}", $"{where} are {compressed.Length} bytes, shorter than a gzip stream");
        uint crcWanted = BinaryPrimitives.ReadUInt32LittleEndian(compressed[^8..]);
        uint sizeWanted = BinaryPrimitives.ReadUInt32LittleEndian(compressed[^4..]);
        uint crc = 0xFFFFFFFF;
        long total = 0;
        fixed (byte* p = compressed)
        {
            using var stream = new UnmanagedMemoryStream(p, compressed.Length);
            try
            {
                using var gzip = new GZipStream(stream, CompressionMode.Decompress);
                var buffer = new byte[Math.Min(tileBytes + 1, 1 << 16)];
                int n;
                while ((n = gzip.Read(buffer)) > 0)
                {
                    if ((total += n) > tileBytes)
                        throw h.Refuse($"TFORM{c.Number}", $"{where} inflate past the tile's {tileBytes} bytes");
                    crc = Crc32(crc, buffer.AsSpan(0, n));
                }
            }
            catch (InvalidDataException e)
            {
                throw h.Refuse($"TFORM{c.Number}", $"{where} are corrupt ({e.Message})");
            }
        }
        if ((crc ^ 0xFFFFFFFF) != crcWanted || (uint)total != sizeWanted)
            throw h.Refuse($"TFORM{c.Number}", $"{where} are corrupt or cut short (inflated {total} bytes; the gzip trailer does not match them)");
    }

    /// <summary>
    /// The HCOMPRESS stream header (magic 0xDD 0x99, nx, ny, scale as big-endian int32): CFITSIO's decoder clears nx·ny
    /// pixels of the tile's buffer before it checks anything, so a corrupt nx wrote past it (SIGSEGV in the fuzz test).
    /// nx·ny must be the tile's own pixel count.
    /// </summary>
    private static void CheckHcompress(ReadOnlySpan<byte> data, long pixels, FitsHeader h, Column c, long row)
    {
        string where = $"tile {row + 1}: the HCOMPRESS data of {c.Name}";
        if (data.Length < 14 || data[0] != 0xDD || data[1] != 0x99)
            throw h.Refuse($"TFORM{c.Number}", $"{where} do not start with the HCOMPRESS magic 0xDD99");
        long nx = BinaryPrimitives.ReadInt32BigEndian(data[2..]), ny = BinaryPrimitives.ReadInt32BigEndian(data[6..]);
        int scale = BinaryPrimitives.ReadInt32BigEndian(data[10..]);
        if (nx < 1 || ny < 1 || nx * ny != pixels || scale < 0)
            throw h.Refuse($"TFORM{c.Number}", $"{where} declare {nx} x {ny} pixels (scale {scale}) for a tile of {pixels}");
    }

    /// <summary>Pixels of tile <paramref name="row"/> (0-based, FITS tile order: axis 1 fastest); edge tiles are smaller.</summary>
    private static long TilePixels(long[] axes, long[] tile, long row)
    {
        long pixels = 1, rest = row;
        for (int k = 0; k < axes.Length; k++)
        {
            long count = (axes[k] + tile[k] - 1) / tile[k];
            long index = rest % count;
            rest /= count;
            pixels *= Math.Min(tile[k], axes[k] - index * tile[k]);
        }
        return pixels;
    }

    private static readonly uint[] CrcTable = Enumerable.Range(0, 256).Select(n =>
    {
        uint c = (uint)n;
        for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
        return c;
    }).ToArray();

    /// <summary>CRC-32 (IEEE 802.3, as gzip's trailer), continued from <paramref name="crc"/>.</summary>
    private static uint Crc32(uint crc, ReadOnlySpan<byte> data)
    {
        foreach (var b in data) crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc;
    }

    /// <summary>The columns from TFIELDS and TFORMn (binary-table formats, FITS 4.0 table 18); widths must add up to NAXIS1.</summary>
    private static List<Column> Columns(FitsHeader h, long width)
    {
        long fields = h.Integer("TFIELDS") ?? throw h.Refuse("TFIELDS", "a binary table needs TFIELDS");
        if (fields is < 1 or > 999) throw h.Refuse("TFIELDS", $"TFIELDS = {fields} is outside 1..999");
        var columns = new List<Column>((int)fields);
        long offset = 0;
        for (int n = 1; n <= fields; n++)
        {
            var form = h.String($"TFORM{n}")?.Trim() ?? throw h.Refuse($"TFORM{n}", $"TFIELDS = {fields} but TFORM{n} is missing");
            var m = FormRegex().Match(form);
            if (!m.Success || !long.TryParse(m.Groups[1].Value is { Length: > 0 } rep ? rep : "1", out long repeat) || repeat > width)
                throw h.Refuse($"TFORM{n}", $"TFORM{n} = '{form}' is not a binary-table format this reader knows");
            char type = m.Groups[2].Value[0];
            long size = type switch
            {
                'L' or 'B' or 'A' => repeat,
                'X' => (repeat + 7) / 8,
                'I' => 2 * repeat,
                'J' or 'E' => 4 * repeat,
                'K' or 'D' or 'C' => 8 * repeat,
                'M' => 16 * repeat,
                'P' => 8 * repeat,
                _ => 16 * repeat, // Q
            };
            int element = type is 'P' or 'Q' ? ElementSize(m.Groups[3].Value, h, n, form) : 0;
            if (type is 'P' or 'Q' && repeat != 1)
                throw h.Refuse($"TFORM{n}", $"TFORM{n} = '{form}': a descriptor column holds one descriptor per row");
            columns.Add(new Column(n, h.String($"TTYPE{n}")?.Trim() ?? "", offset, size, type, element));
            offset += size;
        }
        if (offset != width)
            throw h.Refuse("NAXIS1", $"the TFORMn widths add up to {offset} bytes but NAXIS1 = {width}");
        return columns;
    }

    private static int ElementSize(string rest, FitsHeader h, int n, string form) => rest.Length > 0 ? rest[0] switch
    {
        'L' or 'B' or 'A' or 'X' => 1,
        'I' => 2,
        'J' or 'E' => 4,
        'K' or 'D' or 'C' => 8,
        'M' => 16,
        _ => throw h.Refuse($"TFORM{n}", $"TFORM{n} = '{form}': unknown element type of a descriptor column"),
    } : throw h.Refuse($"TFORM{n}", $"TFORM{n} = '{form}': a descriptor column needs an element type");

    [GeneratedRegex(@"^(\d*)([LXBIJKAEDCMPQ])(.*)$")]
    private static partial Regex FormRegex();
}
