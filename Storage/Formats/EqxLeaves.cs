namespace ScoreBatch.Storage.Formats;

/// <summary>One leaf of an equinox model file: its numpy dtype ("&lt;f4" arrays, "&lt;f8" for the scalar t1) and values.</summary>
/// <param name="Dtype">The dtype as written in the .npy header, e.g. "&lt;f4".</param>
/// <param name="Shape">numpy shape; [] for a scalar.</param>
/// <param name="Data">Values in C order as float32 (t1 = 10.0 is exact in float32).</param>
/// <param name="Float64">Exact values of a float64 leaf; null otherwise.</param>
public sealed record EqxLeaf(string Dtype, int[] Shape, float[] Data, double[]? Float64 = null)
{
    /// <summary>A float32 array leaf.</summary>
    public static EqxLeaf OfFloat32(int[] shape, float[] data) => new("<f4", shape, data);

    /// <summary>A float64 scalar leaf (equinox writes t1 this way).</summary>
    public static EqxLeaf OfFloat64Scalar(double value) => new("<f8", [], [(float)value], [value]);

    /// <summary>Shape as "(a, b)" for messages.</summary>
    public string ShapeText => $"({string.Join(", ", Shape)})";
}

/// <summary>
/// The container of equinox's <c>tree_serialise_leaves</c>, used by the galaxygrad priors (SCIENCE.md section 9):
/// the model's leaves in field order, each written as one complete .npy record directly after the previous one,
/// with no index or names. This class reads and writes that sequence; which leaf is which is the business of the
/// model mapping. Each record's header is checked against <see cref="ArrayLimits"/> before allocation, and
/// object (pickled) records are refused as in <see cref="Npy"/>.
/// </summary>
public static class EqxLeaves
{
    /// <summary>All leaves in file order; <paramref name="name"/> is used in errors ("name leaf k").</summary>
    public static IReadOnlyList<EqxLeaf> Read(ReadOnlySpan<byte> bytes, string name, ArrayLimits? limits = null, int maxLeaves = 4096)
    {
        limits ??= ArrayLimits.Default;
        var leaves = new List<EqxLeaf>();
        long total = 0;
        int offset = 0;
        while (offset < bytes.Length)
        {
            if (leaves.Count == maxLeaves)
                throw new CutoutFormatException(name, $"more than {maxLeaves} leaves");
            var leafName = $"{name} leaf {leaves.Count}";
            var rest = bytes[offset..];
            var header = Npy.ReadHeader(rest, leafName, limits, out int dataOffset);
            if (header.Kind != 'f')
                throw new CutoutFormatException(leafName, $"expected a floating-point leaf, got dtype kind '{header.Kind}'");
            total += header.ElementCount;
            if (total > limits.MaxElements)
                throw new CutoutFormatException(name, $"leaves hold more than the limit of {limits.MaxElements} elements");
            long length = dataOffset + header.ElementCount * header.ItemSize;
            if (length > rest.Length)
                throw new CutoutFormatException(leafName, $"truncated: the record needs {length} bytes, {rest.Length} remain");
            var record = rest[..(int)length];
            var array = Npy.Read(record, leafName, limits);
            var dtype = $"{(header.BigEndian ? '>' : '<')}{header.Kind}{header.ItemSize}";
            double[]? exact = header.ItemSize == 8 ? ReadFloat64(record[dataOffset..], header) : null;
            leaves.Add(new EqxLeaf(dtype, array.Shape, array.Data, exact));
            offset += (int)length;
        }
        return leaves;
    }

    private static double[] ReadFloat64(ReadOnlySpan<byte> data, Npy.NpyHeader header)
    {
        var values = new double[header.ElementCount];
        for (int i = 0; i < values.Length; i++)
        {
            var s = data.Slice(i * 8, 8);
            values[i] = header.BigEndian
                ? System.Buffers.Binary.BinaryPrimitives.ReadDoubleBigEndian(s)
                : System.Buffers.Binary.BinaryPrimitives.ReadDoubleLittleEndian(s);
        }
        return values;
    }

    /// <summary>Writes the leaves as consecutive .npy version 1.0 records ('&lt;f4', or '&lt;f8' for float64 leaves).</summary>
    public static void Write(Stream stream, IEnumerable<EqxLeaf> leaves)
    {
        foreach (var leaf in leaves)
        {
            switch (leaf.Dtype)
            {
                case "<f4": Npy.Write(stream, leaf.Data, leaf.Shape); break;
                case "<f8": Npy.WriteFloat64(stream, leaf.Float64 ?? leaf.Data.Select(v => (double)v).ToArray(), leaf.Shape); break;
                default: throw new ArgumentException($"leaf dtype '{leaf.Dtype}' cannot be written; use '<f4' or '<f8'", nameof(leaves));
            }
        }
    }
}
