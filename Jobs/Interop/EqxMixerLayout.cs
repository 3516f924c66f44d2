using ScoreBatch.Jobs.Model;
using ScoreBatch.Storage.Formats;

namespace ScoreBatch.Jobs.Interop;

/// <summary>
/// Which equinox leaf is which mixer parameter (SCIENCE.md section 9). The galaxygrad file holds, in field order:
/// conv_in.weight (W,2,p,p), conv_in.bias (W,1,1), conv_out.weight (1,W,p,p), conv_out.bias (1,1,1); per block
/// token_mlp L0.weight (T,P), L0.bias (T), L1.weight (P,T), L1.bias (P), channel_mlp L0.weight (C,W), L0.bias (C),
/// L1.weight (W,C), L1.bias (W), norm1 weight and bias (W,P), norm2 weight and bias (P,W); the final norm weight
/// and bias (W,P); then t1 (float64 scalar, = T). 7 + 12·blocks leaves: 55 for the released four-block priors.
/// Names are those of <see cref="MixerScoreNet"/>'s state dict, which are also the PyTorch export's keys.
/// </summary>
public static class EqxMixerLayout
{
    /// <summary>Leaves outside the blocks: conv_in (2), conv_out (2), final norm (2), t1 (1).</summary>
    public const int FixedLeaves = 7;

    /// <summary>Leaves per mixer block.</summary>
    public const int LeavesPerBlock = 12;

    /// <summary>The name of the last leaf, the end time T, which is not a network parameter.</summary>
    public const string T1 = "t1";

    /// <summary>The leaves of one mixer block, in equinox order.</summary>
    private static readonly string[] BlockLeaves =
    [
        "token_mlp.0.weight", "token_mlp.0.bias", "token_mlp.1.weight", "token_mlp.1.bias",
        "channel_mlp.0.weight", "channel_mlp.0.bias", "channel_mlp.1.weight", "channel_mlp.1.bias",
        "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias",
    ];

    /// <summary>State-dict names in equinox leaf order, ending with <see cref="T1"/>.</summary>
    public static IReadOnlyList<string> LeafNames(int blocks)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blocks);
        var names = new List<string> { "conv_in.weight", "conv_in.bias", "conv_out.weight", "conv_out.bias" };
        for (int b = 0; b < blocks; b++)
        {
            var prefix = $"blocks.{b}.";
            names.AddRange(BlockLeaves.Select(n => prefix + n));
        }
        names.AddRange(["norm.weight", "norm.bias", T1]);
        return names;
    }

    /// <summary>Number of blocks of a file with <paramref name="leafCount"/> leaves; throws naming the file when it is no mixer.</summary>
    public static int BlocksFor(int leafCount, string source)
    {
        if (leafCount < FixedLeaves + LeavesPerBlock || (leafCount - FixedLeaves) % LeavesPerBlock != 0)
            throw new InvalidDataException($"{source}: {leafCount} leaves do not form a mixer (expected {FixedLeaves} + {LeavesPerBlock}·blocks, 55 for the released priors)");
        return (leafCount - FixedLeaves) / LeavesPerBlock;
    }

    /// <summary>
    /// The network options the leaves describe (width, patch, MLP widths, blocks and the image size that P implies),
    /// checked against <paramref name="imageSize"/> when given.
    /// </summary>
    public static ScoreNetOptions InferOptions(IReadOnlyList<EqxLeaf> leaves, string source, int? imageSize = null)
    {
        int blocks = BlocksFor(leaves.Count, source);
        var convIn = leaves[0];
        if (convIn.Shape.Length != 4 || convIn.Shape[1] != 2 || convIn.Shape[2] != convIn.Shape[3])
            throw new InvalidDataException($"{source}: leaf 0 (conv_in.weight) has shape {convIn.ShapeText}, expected (width, 2, patch, patch)");
        int width = convIn.Shape[0], patch = convIn.Shape[2];
        var tokenL0 = leaves[4];
        var channelL0 = leaves[8];
        if (tokenL0.Shape.Length != 2 || channelL0.Shape.Length != 2)
            throw new InvalidDataException($"{source}: leaves 4 and 8 (token and channel MLP weights) must be matrices, got {tokenL0.ShapeText} and {channelL0.ShapeText}");
        int tokens = tokenL0.Shape[1];
        int side = (int)Math.Round(Math.Sqrt(tokens));
        if (side * side != tokens)
            throw new InvalidDataException($"{source}: token count P = {tokens} (leaf 4, token_mlp.0.weight {tokenL0.ShapeText}) is not a square");
        ReadT1(leaves, source);
        var options = new ScoreNetOptions
        {
            Architecture = ScoreNetArchitectures.Mixer,
            ImageSize = side * patch,
            PatchSize = patch,
            Width = width,
            TokenMlpWidth = tokenL0.Shape[0],
            ChannelMlpWidth = channelL0.Shape[0],
            Blocks = blocks,
        };
        if (imageSize is { } n && n != options.ImageSize)
            throw new InvalidDataException($"{source}: the weights are for {options.ImageSize}x{options.ImageSize} images (P = {tokens} tokens of {patch}x{patch}), not --size {n}");
        return options.Validate();
    }

    /// <summary>The last leaf, t1: the end time T of the VP process the prior was trained under (the time plane holds t / t1).</summary>
    public static double ReadT1(IReadOnlyList<EqxLeaf> leaves, string source)
    {
        ArgumentNullException.ThrowIfNull(leaves);
        if (leaves.Count == 0) throw new InvalidDataException($"{source}: holds no leaves");
        var t1 = leaves[^1];
        if (t1.Shape.Length != 0)
            throw new InvalidDataException($"{source}: the last leaf (t1) must be a scalar, got shape {t1.ShapeText}");
        double t = t1.Float64 is { Length: 1 } exact ? exact[0] : t1.Data[0];
        if (!(t > 0) || !double.IsFinite(t))
            throw new InvalidDataException($"{source}: the last leaf (t1, the process end time) must be positive and finite, got {t}");
        return t;
    }

    /// <summary>The equinox shape of a parameter given its TorchSharp shape (biases of the convolutions gain 1x1 axes, conv_out swaps axes).</summary>
    public static int[] EqxShape(string name, long[] torchShape) => name switch
    {
        "conv_in.bias" or "conv_out.bias" => [(int)torchShape[0], 1, 1],
        "conv_out.weight" => [(int)torchShape[1], (int)torchShape[0], (int)torchShape[2], (int)torchShape[3]],
        _ => torchShape.Select(d => (int)d).ToArray(),
    };

    /// <summary>
    /// Reorders conv_out's kernel between layouts. Equinox's transposed convolution does not flip its kernel, PyTorch's
    /// does: W_torch[c, o, r, s] = W_eqx[o, c, k-1-r, k-1-s]. The map is its own inverse up to the axis swap.
    /// </summary>
    /// <param name="source">Values in the source layout.</param>
    /// <param name="outer">Size of the source's first axis.</param>
    /// <param name="inner">Size of the source's second axis.</param>
    /// <param name="k">Kernel side.</param>
    public static float[] FlipTransposedKernel(float[] source, int outer, int inner, int k)
    {
        if (source.Length != outer * inner * k * k)
            throw new ArgumentException($"kernel of {source.Length} values is not {outer} x {inner} x {k} x {k}", nameof(source));
        var result = new float[source.Length];
        for (int a = 0; a < outer; a++)
            for (int b = 0; b < inner; b++)
                for (int r = 0; r < k; r++)
                    for (int s = 0; s < k; s++)
                        result[((b * outer + a) * k + r) * k + s] = source[((a * inner + b) * k + (k - 1 - r)) * k + (k - 1 - s)];
        return result;
    }
}
