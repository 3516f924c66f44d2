using TorchSharp.Modules;

namespace ScoreBatch.Jobs.Model.Onnx;

/// <summary>torch modules as ONNX nodes, with the module's own parameters as constants.</summary>
public static class OnnxLayers
{
    /// <summary>nn.Linear on the last axis: MatMul with the transposed weight, then the bias.</summary>
    public static string Linear(this OnnxGraph graph, Linear linear, string x)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(linear);
        using var weightT = linear.weight!.detach().t();
        var product = graph.Node("MatMul", [x, graph.Constant(weightT)]);
        return linear.bias is null ? product : graph.Node("Add", [product, graph.Constant(linear.bias)]);
    }

    /// <summary>nn.LayerNorm over the last axes its weight spans (one mean and variance over all of them), with its affine.</summary>
    public static string LayerNorm(this OnnxGraph graph, LayerNorm norm, string x, double eps)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(norm);
        var weight = norm.weight ?? throw new NotSupportedException("ONNX export needs LayerNorm's elementwise affine");
        return graph.Node("LayerNormalization", [x, graph.Constant(weight), graph.Constant(norm.bias!)],
            OnnxAttribute.Int("axis", -weight.dim()), OnnxAttribute.Float("epsilon", (float)eps));
    }

    /// <summary>Swaps the last two axes of a rank-3 value.</summary>
    public static string SwapLastAxes(this OnnxGraph graph, string x)
    {
        ArgumentNullException.ThrowIfNull(graph);
        return graph.Node("Transpose", [x], OnnxAttribute.Ints("perm", 0, 2, 1));
    }
}
