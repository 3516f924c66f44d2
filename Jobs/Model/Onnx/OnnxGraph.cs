using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Model.Onnx;

/// <summary>
/// Builds an ONNX model (opset 17, IR version 8) in memory: float32 inputs and outputs with a symbolic batch axis,
/// nodes of the default domain, and initializers copied from torch tensors. Architectures describe their forward
/// pass with it (<see cref="ScoreNet.BuildOnnx"/>); <see cref="ToModel"/> serialises the protobuf that ONNX Runtime
/// and every other ONNX reader load. Only the subset of onnx.proto the score networks need is written.
/// </summary>
public sealed class OnnxGraph
{
    /// <summary>The operator set the graphs are written against (LayerNormalization needs 17).</summary>
    public const int Opset = 17;

    private const int IrVersion = 8;
    private const int FloatType = 1;  // TensorProto.DataType.FLOAT
    private const int Int64Type = 7;  // TensorProto.DataType.INT64

    private readonly Proto _graph = new();
    private readonly HashSet<string> _names = [];
    private int _next;

    /// <summary>Declares a float32 graph input of <paramref name="shape"/>; -1 is the symbolic batch axis.</summary>
    public string Input(string name, params long[] shape)
    {
        Claim(name);
        _graph.Message(11, ValueInfo(name, shape));
        return name;
    }

    /// <summary>Declares <paramref name="value"/> a float32 graph output of <paramref name="shape"/> (-1: the batch axis).</summary>
    public void Output(string value, params long[] shape) => _graph.Message(12, ValueInfo(value, shape));

    /// <summary>A float32 constant holding <paramref name="tensor"/>'s values (copied now, converted to float32 on the CPU).</summary>
    public string Constant(Tensor tensor, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        using var host = tensor.detach().to(float32).cpu().contiguous();
        var values = host.data<float>().ToArray();
        return Initializer(name, host.shape, FloatType, MemoryMarshal.AsBytes(values.AsSpan()));
    }

    /// <summary>An int64 vector constant (shapes, axes).</summary>
    public string Int64s(params long[] values) => Initializer(null, [values.Length], Int64Type, MemoryMarshal.AsBytes(values.AsSpan()));

    /// <summary>Adds a node of <paramref name="op"/> on <paramref name="inputs"/> and returns its (single) output's name.</summary>
    public string Node(string op, string[] inputs, params OnnxAttribute[] attributes) => Node(op, inputs, null, attributes);

    /// <summary>Adds a node whose output is called <paramref name="name"/> (a fresh name when null).</summary>
    public string Node(string op, string[] inputs, string? name, params OnnxAttribute[] attributes)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        string output;
        if (name is null) output = Fresh(op);
        else Claim(output = name);
        var node = new Proto();
        foreach (var input in inputs) node.String(1, input);
        node.String(2, output).String(3, output).String(4, op);
        foreach (var attribute in attributes) node.Message(5, attribute.ToProto());
        _graph.Message(1, node);
        return output;
    }

    /// <summary>The serialised ModelProto.</summary>
    public byte[] ToModel(string graphName, string producerVersion)
    {
        var graph = new Proto().Append(_graph).String(2, graphName);
        return new Proto()
            .Int(1, IrVersion)
            .String(2, "scorebatch")
            .String(3, producerVersion)
            .Message(7, graph)
            .Message(8, new Proto().String(1, "").Int(2, Opset))
            .ToArray();
    }

    private string Initializer(string? name, long[] shape, int type, ReadOnlySpan<byte> raw)
    {
        if (name is null) name = Fresh("const");
        else Claim(name);
        var tensor = new Proto();
        foreach (var d in shape) tensor.Int(1, d);
        tensor.Int(2, type).String(8, name).Bytes(9, raw); // raw_data: little-endian, as ONNX specifies
        _graph.Message(5, tensor);
        return name;
    }

    private static Proto ValueInfo(string name, long[] shape)
    {
        var dims = new Proto();
        foreach (var d in shape) dims.Message(1, d < 0 ? new Proto().String(2, "batch") : new Proto().Int(1, d));
        var tensorType = new Proto().Int(1, FloatType).Message(2, dims);
        return new Proto().String(1, name).Message(2, new Proto().Message(1, tensorType));
    }

    private string Fresh(string stem)
    {
        string name;
        do name = $"{stem}_{_next++}";
        while (_names.Contains(name));
        _names.Add(name);
        return name;
    }

    private void Claim(string name)
    {
        if (!_names.Add(name)) throw new ArgumentException($"ONNX graph: the name '{name}' is already used", nameof(name));
    }

    /// <summary>Protocol-buffer encoding: varints, 32-bit floats and length-delimited fields.</summary>
    internal sealed class Proto
    {
        private readonly ArrayBufferWriter<byte> _bytes = new();

        public Proto Int(int field, long value)
        {
            Tag(field, 0);
            Varint((ulong)value);
            return this;
        }

        public Proto Float(int field, float value)
        {
            Tag(field, 5);
            Span<byte> b = stackalloc byte[4];
            BitConverter.TryWriteBytes(b, value);
            if (!BitConverter.IsLittleEndian) b.Reverse();
            _bytes.Write(b);
            return this;
        }

        public Proto Bytes(int field, ReadOnlySpan<byte> value)
        {
            Tag(field, 2);
            Varint((ulong)value.Length);
            _bytes.Write(value);
            return this;
        }

        public Proto String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

        public Proto Message(int field, Proto message) => Bytes(field, message._bytes.WrittenSpan);

        public Proto Append(Proto other)
        {
            _bytes.Write(other._bytes.WrittenSpan);
            return this;
        }

        public byte[] ToArray() => _bytes.WrittenSpan.ToArray();

        private void Tag(int field, int wireType) => Varint((ulong)((field << 3) | wireType));

        private void Varint(ulong value)
        {
            while (value >= 0x80)
            {
                _bytes.Write([(byte)(value | 0x80)]);
                value >>= 7;
            }
            _bytes.Write([(byte)value]);
        }
    }
}

/// <summary>A node attribute: an int, a float or a list of ints (AttributeProto).</summary>
public readonly record struct OnnxAttribute
{
    private OnnxAttribute(string name, long? value, float? real, long[]? values)
    {
        Name = name;
        _int = value;
        _float = real;
        _ints = values;
    }

    public string Name { get; }

    private readonly long? _int;
    private readonly float? _float;
    private readonly long[]? _ints;

    public static OnnxAttribute Int(string name, long value) => new(name, value, null, null);

    public static OnnxAttribute Float(string name, float value) => new(name, null, value, null);

    public static OnnxAttribute Ints(string name, params long[] values) => new(name, null, null, values);

    internal OnnxGraph.Proto ToProto()
    {
        var a = new OnnxGraph.Proto().String(1, Name);
        if (_int is { } i) return a.Int(3, i).Int(20, 2);      // INT
        if (_float is { } f) return a.Float(2, f).Int(20, 1);  // FLOAT
        foreach (var v in _ints ?? []) a.Int(8, v);
        return a.Int(20, 7);                                   // INTS
    }
}
