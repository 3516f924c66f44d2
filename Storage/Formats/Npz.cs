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
    public static unsafe IReadOnlyList<Member> Read(ReadOnlySpan<byte> bytes, string name, ArrayLimits? limits = null)
    {
        limits ??= ArrayLimits.Default;
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
                return ReadMembers(zip, name, limits);
        }
    }

    private static List<Member> ReadMembers(ZipArchive zip, string name, ArrayLimits limits)
    {
        var entries = zip.Entries.Where(e => !e.FullName.EndsWith('/')).ToList();
        if (entries.Count > limits.MaxArchiveMembers)
            throw new CutoutFormatException(name, $".npz archive has {entries.Count} members, more than the limit of {limits.MaxArchiveMembers}");
        long total = 0;
        foreach (var e in entries)
        {
            if (!e.FullName.EndsWith(".npy", StringComparison.Ordinal))
                throw new CutoutFormatException(name, $"member '{e.FullName}' is not an .npy array");
            total += e.Length;
            if (e.Length < 0 || total > limits.MaxArchiveBytes)
                throw new CutoutFormatException(name, $".npz members declare {total} uncompressed bytes, more than the limit of {limits.MaxArchiveBytes}");
        }
        var members = new List<Member>(entries.Count);
        foreach (var e in entries)
        {
            var key = e.FullName[..^4];
            var data = Inflate(e, name);
            members.Add(new Member(key, Npy.Read(data, $"{name}:{key}", limits)));
        }
        return members;
    }

    /// <summary>Inflates one member into a buffer of its declared size and fails if the stream holds more or less.</summary>
    private static byte[] Inflate(ZipArchiveEntry entry, string name)
    {
        var buffer = new byte[entry.Length];
        try
        {
            using var s = entry.Open();
            int read = 0;
            while (read < buffer.Length)
            {
                int n = s.Read(buffer, read, buffer.Length - read);
                if (n == 0) throw new CutoutFormatException(name, $"member '{entry.FullName}' is truncated: {read} of {buffer.Length} bytes");
                read += n;
            }
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

    /// <summary>The archive's arrays as cutouts: ids "name:key" for an image, "name:key#i" for each plane of a stack.</summary>
    public static IReadOnlyList<Cutout> ReadCutouts(ReadOnlySpan<byte> bytes, string name, ArrayLimits? limits = null)
    {
        var cutouts = new List<Cutout>();
        foreach (var m in Read(bytes, name, limits))
            cutouts.AddRange(CutoutReader.Split($"{name}:{m.Key}", m.Array));
        return cutouts;
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
