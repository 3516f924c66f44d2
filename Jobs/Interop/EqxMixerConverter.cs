using ScoreBatch.Jobs.Model;
using ScoreBatch.Storage.Formats;
using TorchSharp;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Interop;

/// <summary>
/// Converts between galaxygrad/equinox <c>.eqx</c> files and <see cref="MixerScoreNet"/> (layout in
/// <see cref="EqxMixerLayout"/>). Import is strict: every leaf must land on exactly one parameter of the expected
/// shape. Export writes the 55 leaves (for four blocks) that galaxygrad's loader and scarlet2's ScorePrior read.
/// </summary>
public static class EqxMixerConverter
{
    /// <summary>Builds a mixer on the CPU from an .eqx file's bytes; <paramref name="imageSize"/>, when given, must match the weights.</summary>
    public static MixerScoreNet Import(ReadOnlySpan<byte> eqx, string source, int? imageSize = null)
    {
        var leaves = EqxLeaves.Read(eqx, source);
        return Import(leaves, source, imageSize);
    }

    /// <summary>Builds a mixer on the CPU from already-read leaves.</summary>
    public static MixerScoreNet Import(IReadOnlyList<EqxLeaf> leaves, string source, int? imageSize = null)
    {
        var options = EqxMixerLayout.InferOptions(leaves, source, imageSize);
        var model = new MixerScoreNet(options);
        var names = EqxMixerLayout.LeafNames(options.Blocks);
        var parameters = model.state_dict();
        if (parameters.Count != names.Count - 1)
            throw new InvalidOperationException($"MixerScoreNet has {parameters.Count} parameters but the equinox layout names {names.Count - 1}");
        using var noGrad = no_grad();
        for (int i = 0; i < names.Count - 1; i++)
        {
            var name = names[i];
            if (!parameters.TryGetValue(name, out var target))
                throw new InvalidOperationException($"MixerScoreNet has no parameter '{name}' (leaf {i} of the equinox layout)");
            var leaf = leaves[i];
            var expected = EqxMixerLayout.EqxShape(name, target.shape);
            if (!leaf.Shape.SequenceEqual(expected))
                throw new InvalidDataException($"{source}: leaf {i} ({name}) has shape {leaf.ShapeText}, expected ({string.Join(", ", expected)})");
            var values = name == "conv_out.weight"
                ? EqxMixerLayout.FlipTransposedKernel(leaf.Data, expected[0], expected[1], expected[2])
                : leaf.Data;
            using var tensor = torch.tensor(values, target.shape, ScalarType.Float32);
            target.copy_(tensor);
        }
        return model;
    }

    /// <summary>The model's parameters as equinox leaves ('&lt;f4' arrays, then t1 = <paramref name="t1"/>, the VP end time, as a '&lt;f8' scalar).</summary>
    public static IReadOnlyList<EqxLeaf> ExportLeaves(MixerScoreNet model, double t1 = 10.0)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var scope = torch.NewDisposeScope();
        var names = EqxMixerLayout.LeafNames(model.Options.Blocks);
        var parameters = model.state_dict();
        var leaves = new List<EqxLeaf>(names.Count);
        foreach (var name in names.Take(names.Count - 1))
        {
            var p = parameters[name];
            var values = p.detach().cpu().to_type(ScalarType.Float32).data<float>().ToArray();
            var shape = EqxMixerLayout.EqxShape(name, p.shape);
            if (name == "conv_out.weight")
                values = EqxMixerLayout.FlipTransposedKernel(values, (int)p.shape[0], (int)p.shape[1], (int)p.shape[2]);
            leaves.Add(EqxLeaf.OfFloat32(shape, values));
        }
        leaves.Add(EqxLeaf.OfFloat64Scalar(t1));
        return leaves;
    }

    /// <summary>Writes the .eqx file for <paramref name="model"/> trained under VP with end time <paramref name="t1"/>.</summary>
    public static void Export(MixerScoreNet model, Stream stream, double t1 = 10.0) => EqxLeaves.Write(stream, ExportLeaves(model, t1));
}
