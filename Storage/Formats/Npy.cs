using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace ScoreBatch.Storage.Formats;

/// <summary>
/// numpy .npy files (format versions 1.0, 2.0 and 3.0). Reads booleans, signed and unsigned integers and floats of
/// any byte order, C or Fortran order, and converts to float32 in C order. Object and structured arrays are
/// rejected and never unpickled; the header's shape is checked against <see cref="ArrayLimits"/> before any
/// allocation. Writes float32 little-endian C-order version 1.0 files, as numpy.save does.
/// </summary>
public static partial class Npy
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Parses an .npy file held in memory; <paramref name="name"/> is used in error messages.</summary>
    public static NdArray Read(ReadOnlySpan<byte> bytes, string name, ArrayLimits? limits = null)
    {
        limits ??= ArrayLimits.Default;
        var header = ReadHeader(bytes, name, limits, out int dataOffset);
        long count = header.ElementCount;
        long needed = count * header.ItemSize;
        if (bytes.Length - dataOffset < needed)
            throw new CutoutFormatException(name, $"truncated .npy: header declares {count} elements of {header.ItemSize} bytes ({needed} bytes) but only {bytes.Length - dataOffset} bytes follow");
        var data = new float[count];
        Convert(bytes.Slice(dataOffset, (int)needed), header, data);
        if (header.FortranOrder && header.Shape.Length > 1)
            data = FortranToC(data, header.Shape);
        return new NdArray(header.Shape, data);
    }

    /// <summary>The parsed header of an .npy file: dtype, order and shape.</summary>
    public sealed record NpyHeader(char Kind, int ItemSize, bool BigEndian, bool FortranOrder, int[] Shape)
    {
        public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);
    }

    /// <summary>Reads and validates only the header; <paramref name="dataOffset"/> is where the array data start.</summary>
    public static NpyHeader ReadHeader(ReadOnlySpan<byte> bytes, string name, ArrayLimits limits, out int dataOffset)
    {
        if (bytes.Length == 0) throw new CutoutFormatException(name, "empty file (0 bytes), expected an .npy array");
        if (bytes.Length < 10 || !bytes[..6].SequenceEqual(Magic))
            throw new CutoutFormatException(name, "not an .npy file (wrong magic; expected \\x93NUMPY)");
        byte major = bytes[6];
        int headerLength, prefix;
        switch (major)
        {
            case 1:
                headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes[8..]);
                prefix = 10;
                break;
            case 2 or 3:
                if (bytes.Length < 12) throw new CutoutFormatException(name, "truncated .npy header");
                uint len = BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]);
                if (len > limits.MaxHeaderBytes) throw new CutoutFormatException(name, $".npy header of {len} bytes exceeds the limit of {limits.MaxHeaderBytes}");
                headerLength = (int)len;
                prefix = 12;
                break;
            default:
                throw new CutoutFormatException(name, $"unsupported .npy format version {major}.{bytes[7]}");
        }
        if (headerLength > limits.MaxHeaderBytes) throw new CutoutFormatException(name, $".npy header of {headerLength} bytes exceeds the limit of {limits.MaxHeaderBytes}");
        if (bytes.Length < prefix + headerLength) throw new CutoutFormatException(name, "truncated .npy header");
        var text = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(bytes.Slice(prefix, headerLength));
        dataOffset = prefix + headerLength;
        return ParseHeader(text, name, limits);
    }

    private static NpyHeader ParseHeader(string text, string name, ArrayLimits limits)
    {
        CheckKeys(text, name);
        var descr = DescrRegex().Match(text);
        if (!descr.Success)
        {
            if (text.Contains("'descr': [", StringComparison.Ordinal) || text.Contains("'descr':[", StringComparison.Ordinal))
                throw new CutoutFormatException(name, "structured (record) arrays are not supported; save a plain numeric array");
            throw new CutoutFormatException(name, "malformed .npy header: no 'descr' entry");
        }
        var order = FortranRegex().Match(text);
        if (!order.Success) throw new CutoutFormatException(name, "malformed .npy header: no 'fortran_order' entry");
        var shapeMatch = ShapeRegex().Match(text);
        if (!shapeMatch.Success) throw new CutoutFormatException(name, "malformed .npy header: no 'shape' entry");

        string d = descr.Groups[1].Value;
        if (d.Length >= 2 && d[1] == 'O') throw new CutoutFormatException(name, "object arrays (dtype 'O', pickled Python objects) are never loaded; save a numeric array");
        if (d.Length < 3) throw new CutoutFormatException(name, $"unsupported dtype '{d}'");
        char endian = d[0];
        char kind = d[1];
        if (!int.TryParse(d.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out int itemSize))
            throw new CutoutFormatException(name, $"unsupported dtype '{d}'");
        bool supported = kind switch
        {
            'f' => itemSize is 2 or 4 or 8,
            'i' or 'u' => itemSize is 1 or 2 or 4 or 8,
            'b' => itemSize == 1,
            _ => false,
        };
        if (!supported || endian is not ('<' or '>' or '|' or '='))
            throw new CutoutFormatException(name, $"unsupported dtype '{d}' (accepted: bool, int8-64, uint8-64, float16/32/64)");
        bool bigEndian = endian == '>' || (endian == '=' && !BitConverter.IsLittleEndian);

        var dims = shapeMatch.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var shape = new int[dims.Length];
        long count = 1;
        for (int i = 0; i < dims.Length; i++)
        {
            var dim = dims[i].TrimEnd('L');
            if (!long.TryParse(dim, NumberStyles.None, CultureInfo.InvariantCulture, out long v))
                throw new CutoutFormatException(name, $"malformed .npy shape '({shapeMatch.Groups[1].Value})'");
            if (v > int.MaxValue || (v > 0 && count > limits.MaxElements / v))
                throw new CutoutFormatException(name, $"array of shape ({shapeMatch.Groups[1].Value}) exceeds the limit of {limits.MaxElements} elements");
            shape[i] = (int)v;
            count *= v;
        }
        if (count > limits.MaxElements)
            throw new CutoutFormatException(name, $"array of shape ({shapeMatch.Groups[1].Value}) exceeds the limit of {limits.MaxElements} elements");
        return new NpyHeader(kind, itemSize, bigEndian, order.Groups[1].Value == "True", shape);
    }

    /// <summary>
    /// The header's keys must be 'descr', 'fortran_order' and 'shape', once each. numpy 1.24 refuses any other key
    /// ("Header does not contain the correct keys") and, for a key written twice, silently uses the last, as a Python
    /// dict literal does; a file that two readers could read differently is refused here, naming the key.
    /// </summary>
    private static void CheckKeys(string text, string name)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match key in KeyRegex().Matches(text))
        {
            var k = key.Groups[1].Value;
            if (k is not ("descr" or "fortran_order" or "shape"))
                throw new CutoutFormatException(name, $"malformed .npy header: unknown key '{k}' (numpy accepts only 'descr', 'fortran_order' and 'shape')");
            if (!seen.Add(k))
                throw new CutoutFormatException(name, $"malformed .npy header: the key '{k}' appears twice (numpy would silently use the last one); refused as ambiguous");
        }
    }

    private static void Convert(ReadOnlySpan<byte> src, NpyHeader h, float[] dst)
    {
        int n = dst.Length, w = h.ItemSize;
        bool swap = h.BigEndian == BitConverter.IsLittleEndian && w > 1;
        if (h.Kind == 'f' && w == 4 && !swap)
        {
            System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(src).CopyTo(dst);
            return;
        }
        for (int i = 0; i < n; i++)
        {
            var s = src.Slice(i * w, w);
            dst[i] = (h.Kind, w) switch
            {
                ('f', 2) => (float)(swap ? BinaryPrimitives.ReadHalfBigEndian(s) : BinaryPrimitives.ReadHalfLittleEndian(s)),
                ('f', 4) => swap ? BinaryPrimitives.ReadSingleBigEndian(s) : BinaryPrimitives.ReadSingleLittleEndian(s),
                ('f', 8) => (float)(swap ? BinaryPrimitives.ReadDoubleBigEndian(s) : BinaryPrimitives.ReadDoubleLittleEndian(s)),
                ('i', 1) => (sbyte)s[0],
                ('u', 1) or ('b', 1) => s[0],
                ('i', 2) => swap ? BinaryPrimitives.ReadInt16BigEndian(s) : BinaryPrimitives.ReadInt16LittleEndian(s),
                ('u', 2) => swap ? BinaryPrimitives.ReadUInt16BigEndian(s) : BinaryPrimitives.ReadUInt16LittleEndian(s),
                ('i', 4) => swap ? BinaryPrimitives.ReadInt32BigEndian(s) : BinaryPrimitives.ReadInt32LittleEndian(s),
                ('u', 4) => swap ? BinaryPrimitives.ReadUInt32BigEndian(s) : BinaryPrimitives.ReadUInt32LittleEndian(s),
                ('i', 8) => swap ? BinaryPrimitives.ReadInt64BigEndian(s) : BinaryPrimitives.ReadInt64LittleEndian(s),
                ('u', 8) => swap ? BinaryPrimitives.ReadUInt64BigEndian(s) : BinaryPrimitives.ReadUInt64LittleEndian(s),
                _ => throw new InvalidOperationException($"dtype {h.Kind}{w} passed validation but has no converter"),
            };
        }
    }

    /// <summary>Reorders column-major (Fortran) data of the given shape into row-major (C) order.</summary>
    private static float[] FortranToC(float[] f, int[] shape)
    {
        int rank = shape.Length;
        var c = new float[f.Length];
        var fStride = new long[rank];
        long s = 1;
        for (int k = 0; k < rank; k++) { fStride[k] = s; s *= shape[k]; }
        var idx = new int[rank];
        for (long i = 0; i < c.LongLength; i++)
        {
            long off = 0;
            for (int k = 0; k < rank; k++) off += idx[k] * fStride[k];
            c[i] = f[off];
            for (int k = rank - 1; k >= 0; k--)
            {
                if (++idx[k] < shape[k]) break;
                idx[k] = 0;
            }
        }
        return c;
    }

    /// <summary>Writes float32 data of the given C-order shape as an .npy (version 1.0, '&lt;f4').</summary>
    public static void Write(Stream stream, ReadOnlySpan<float> data, ReadOnlySpan<int> shape)
    {
        WriteHeader(stream, "<f4", data.Length, shape);
        if (BitConverter.IsLittleEndian)
        {
            stream.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data));
        }
        else
        {
            Span<byte> b = stackalloc byte[4];
            foreach (var v in data) { BinaryPrimitives.WriteSingleLittleEndian(b, v); stream.Write(b); }
        }
    }

    /// <summary>Writes float64 data of the given C-order shape as an .npy (version 1.0, '&lt;f8'); shape [] is a scalar.</summary>
    public static void WriteFloat64(Stream stream, ReadOnlySpan<double> data, ReadOnlySpan<int> shape)
    {
        WriteHeader(stream, "<f8", data.Length, shape);
        Span<byte> b = stackalloc byte[8];
        foreach (var v in data) { BinaryPrimitives.WriteDoubleLittleEndian(b, v); stream.Write(b); }
    }

    private static void WriteHeader(Stream stream, string descr, int length, ReadOnlySpan<int> shape)
    {
        long count = 1;
        foreach (var d in shape)
        {
            if (d < 0) throw new ArgumentOutOfRangeException(nameof(shape), $"negative dimension {d}");
            count *= d;
        }
        if (count != length)
            throw new ArgumentException($"shape ({string.Join(", ", shape.ToArray())}) holds {count} elements but {length} were given", nameof(shape));
        string shapeText = shape.Length == 1 ? $"({shape[0]},)" : $"({string.Join(", ", shape.ToArray())})";
        string dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shapeText}, }}";
        // numpy pads the header with spaces and a final newline so that the data start on a 64-byte boundary.
        int total = 10 + dict.Length + 1;
        int pad = (64 - total % 64) % 64;
        var header = dict + new string(' ', pad) + "\n";
        Span<byte> prefix = stackalloc byte[10];
        Magic.CopyTo(prefix);
        prefix[6] = 1;
        prefix[7] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(prefix[8..], (ushort)header.Length);
        stream.Write(prefix);
        stream.Write(Encoding.Latin1.GetBytes(header));
    }

    /// <summary>Writes float32 data as .npy bytes.</summary>
    public static byte[] ToBytes(ReadOnlySpan<float> data, ReadOnlySpan<int> shape)
    {
        using var ms = new MemoryStream(data.Length * 4 + 128);
        Write(ms, data, shape);
        return ms.ToArray();
    }

    [GeneratedRegex(@"'([^']*)'\s*:")]
    private static partial Regex KeyRegex();

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrRegex();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranRegex();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapeRegex();
}
