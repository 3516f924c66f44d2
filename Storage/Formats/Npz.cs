using System.Buffers.Binary;
using System.IO.Compression;

namespace ScoreBatch.Storage.Formats;

/// <summary>
/// numpy .npz archives (numpy.savez and savez_compressed: a zip of .npy members, stored or deflated). Each member
/// is read by <see cref="Npy"/>, so pickled object arrays are refused as there. Against zip bombs the member count
/// and the declared uncompressed sizes are checked against <see cref="ArrayLimits"/> before anything is inflated,
/// and no member may inflate past its declared size.
/// </summary>
public static class Npz
{
    /// <summary>One member: its key (the member name without ".npy", as numpy.load gives it) and its array.</summary>
    public sealed record Member(string Key, NdArray Array);

    /// <summary>All members in archive order; <paramref name="name"/> is used in errors.</summary>
    public static IReadOnlyList<Member> Read(ReadOnlySpan<byte> bytes, string name, ArrayLimits? limits = null) =>
        Open(bytes, name, zip => ReadMembers(zip, name, limits ?? ArrayLimits.Default, asCutouts: false));

    /// <summary>The archive's arrays as cutouts: ids "name:key" for an image, "name:key#i" for each plane of a stack.
    /// Each member's shape is checked against the cutout limits from its .npy header before the member is inflated.</summary>
    public static IReadOnlyList<Cutout> ReadCutouts(ReadOnlySpan<byte> bytes, string name, ArrayLimits? limits = null)
    {
        var members = Open(bytes, name, zip => ReadMembers(zip, name, limits ?? ArrayLimits.Default, asCutouts: true));
        var cutouts = new List<Cutout>();
        foreach (var m in members)
            cutouts.AddRange(CutoutReader.Split($"{name}:{m.Key}", m.Array));
        return cutouts;
    }

    /// <summary>The members' shapes and the declared uncompressed size, inflating each member only as far as its .npy header.</summary>
    public static CutoutLayout Describe(ReadOnlySpan<byte> bytes, string name, ArrayLimits limits) =>
        Open(bytes, name, zip =>
        {
            var (entries, total) = CheckEntries(zip, name, limits);
            var arrays = entries.Select(e => CutoutArray.Of($"{name}:{e.FullName[..^4]}", PeekHeader(e, name, limits).Shape)).ToList();
            return new CutoutLayout(arrays, total);
        });

    private static unsafe T Open<T>(ReadOnlySpan<byte> bytes, string name, Func<ZipArchive, T> read)
    {
        if (bytes.Length == 0) throw new CutoutFormatException(name, "empty file (0 bytes), expected an .npz archive");
        fixed (byte* p = bytes)
        {
            using var stream = new UnmanagedMemoryStream(p, bytes.Length);
            ZipArchive zip;
            try
            {
                zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
            }
            catch (InvalidDataException e)
            {
                throw new CutoutFormatException(name, $"not an .npz (zip) archive: {e.Message}");
            }
            using (zip)
                return read(zip);
        }
    }

    /// <summary>The .npy members, after the member count and the declared uncompressed total are checked.</summary>
    private static (List<ZipArchiveEntry> Entries, long Total) CheckEntries(ZipArchive zip, string name, ArrayLimits limits)
    {
        List<ZipArchiveEntry> entries;
        try
        {
            entries = zip.Entries.Where(e => !e.FullName.EndsWith('/')).ToList();
        }
        catch (InvalidDataException e)
        {
            throw new CutoutFormatException(name, $"corrupt .npz (zip) directory: {e.Message}");
        }
        if (entries.Count > limits.MaxArchiveMembers)
            throw new CutoutFormatException(name, $".npz archive has {entries.Count} members, more than the limit of {limits.MaxArchiveMembers}");
        long total = 0;
        foreach (var e in entries)
        {
            if (!e.FullName.EndsWith(".npy", StringComparison.Ordinal))
                throw new CutoutFormatException(name, $"member '{e.FullName}' is not an .npy array");
            if (e.Length < 0 || e.Length > limits.MaxDecompressedBytes - total)
                throw new CutoutFormatException(name, $".npz members declare {(e.Length < 0 ? "more than 2^63" : (Int128)total + e.Length)} uncompressed bytes, more than the limit of {limits.MaxDecompressedBytes} decompressed bytes per file");
            total += e.Length;
        }
        return (entries, total);
    }

    private static List<Member> ReadMembers(ZipArchive zip, string name, ArrayLimits limits, bool asCutouts)
    {
        var (entries, _) = CheckEntries(zip, name, limits);
        var members = new List<Member>(entries.Count);
        foreach (var e in entries)
        {
            var key = e.FullName[..^4];
            var header = PeekHeader(e, name, limits);
            if (asCutouts)
            {
                var array = CutoutArray.Of($"{name}:{key}", header.Shape);
                limits.CheckCutouts($"{name}:{key}", null, array.Count, array.Height, array.Width);
            }
            var data = Inflate(e, name);
            members.Add(new Member(key, Npy.Read(data, $"{name}:{key}", limits)));
        }
        return members;
    }

    /// <summary>Inflates only the member's .npy prefix and header (at most 12 + MaxHeaderBytes bytes) and parses it.</summary>
    private static Npy.NpyHeader PeekHeader(ZipArchiveEntry entry, string name, ArrayLimits limits)
    {
        var member = $"{name}:{entry.FullName[..^4]}";
        try
        {
            using var s = entry.Open();
            var prefix = new byte[12];
            int n = ReadUpTo(s, prefix);
            if (n < 10) return Npy.ReadHeader(prefix.AsSpan(0, n), member, limits, out _); // throws: empty or truncated
            long headerLength = prefix[6] == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(prefix.AsSpan(8)) : n < 12 ? 0 : BinaryPrimitives.ReadUInt32LittleEndian(prefix.AsSpan(8));
            int prefixLength = prefix[6] == 1 ? 10 : 12;
            if (headerLength > limits.MaxHeaderBytes)
                throw new CutoutFormatException(member, $".npy header of {headerLength} bytes exceeds the limit of {limits.MaxHeaderBytes}");
            var head = new byte[prefixLength + headerLength];
            prefix.AsSpan(0, Math.Min(n, head.Length)).CopyTo(head);
            int got = Math.Min(n, head.Length);
            if (got < head.Length) got += ReadUpTo(s, head.AsSpan(got));
            return Npy.ReadHeader(head.AsSpan(0, got), member, limits, out _);
        }
        catch (InvalidDataException e)
        {
            throw new CutoutFormatException(name, $"member '{entry.FullName}' is corrupt: {e.Message}");
        }
    }

    private static int ReadUpTo(Stream s, Span<byte> buffer)
    {
        int read = 0;
        while (read < buffer.Length)
        {
            int n = s.Read(buffer[read..]);
            if (n == 0) break;
            read += n;
        }
        return read;
    }

    /// <summary>Inflates one member into a buffer of its declared size and fails if the stream holds more or less.</summary>
    private static byte[] Inflate(ZipArchiveEntry entry, string name)
    {
        var buffer = new byte[entry.Length];
        try
        {
            using var s = entry.Open();
            int read = ReadUpTo(s, buffer);
            if (read < buffer.Length) throw new CutoutFormatException(name, $"member '{entry.FullName}' is truncated: {read} of {buffer.Length} bytes");
            Span<byte> probe = stackalloc byte[1];
            if (s.Read(probe) != 0)
                throw new CutoutFormatException(name, $"member '{entry.FullName}' inflates past its declared size of {buffer.Length} bytes");
        }
        catch (InvalidDataException e)
        {
            throw new CutoutFormatException(name, $"member '{entry.FullName}' is corrupt: {e.Message}");
        }
        return buffer;
    }

    /// <summary>Writes float32 arrays as an .npz (deflated when <paramref name="compress"/>, like numpy.savez_compressed).</summary>
    public static byte[] Write(IEnumerable<(string Key, float[] Data, int[] Shape)> arrays, bool compress = false)
    {
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (key, data, shape) in arrays)
            {
                var entry = zip.CreateEntry(key + ".npy", compress ? CompressionLevel.Optimal : CompressionLevel.NoCompression);
                using var s = entry.Open();
                Npy.Write(s, data, shape);
            }
        }
        return ms.ToArray();
    }
}
