using ScoreBatch.Jobs.Model.Onnx;
using ScoreBatch.Jobs.Runtime;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Model;

/// <summary>
/// One mixer block on Z [N x C x P] (C = Width channels, P tokens):
/// Z += TokenMLP(LayerNorm_(C,P)(Z)) acting on each of the C rows of length P; then, transposed to [N x P x C],
/// Z += ChannelMLP(LayerNorm_(P,C)(Z)) acting on each of the P rows of length C.
/// Both LayerNorms normalise the whole matrix jointly (one mean and variance per sample) with an elementwise affine
/// of the matrix's shape, which is what nn.LayerNorm([C, P]) does.
/// </summary>
public sealed class MixerBlock : nn.Module<Tensor, Tensor>
{
    // Field names are checkpoint keys and map one-to-one to the equinox leaves (SCIENCE.md 9).
    private readonly ModuleList<Linear> token_mlp;
    private readonly ModuleList<Linear> channel_mlp;
    private readonly LayerNorm norm1;
    private readonly LayerNorm norm2;

    public MixerBlock(int width, int tokens, int tokenMlpWidth, int channelMlpWidth) : base(nameof(MixerBlock))
    {
        token_mlp = nn.ModuleList(nn.Linear(tokens, tokenMlpWidth), nn.Linear(tokenMlpWidth, tokens));
        channel_mlp = nn.ModuleList(nn.Linear(width, channelMlpWidth), nn.Linear(channelMlpWidth, width));
        norm1 = nn.LayerNorm([width, tokens], eps: MixerScoreNet.Eps);
        norm2 = nn.LayerNorm([tokens, width], eps: MixerScoreNet.Eps);
        RegisterComponents();
    }

    // Low-precision copies of the token MLP's two Linear layers' weights and biases, not parameters: never saved,
    // never trained. Null: every product in the parameters' own dtype.
    private Tensor[]? _lowWeights;
    private Tensor[]? _lowBiases;

    /// <summary>
    /// Runs the token MLP's two matrix products (half of the block's multiply-adds) in <paramref name="type"/>
    /// (bfloat16: AVX512_BF16 kernels on CPUs that have them) from copies of the current weights; the channel MLP,
    /// the LayerNorms and the residual stream stay in the parameters' dtype. Measured on a trained 32² prior, the
    /// channel MLP's second product in bfloat16 alone adds 0.7 % relative L2 to the score, the token MLP 0.15 %.
    /// Null goes back to full precision. For inference only: the copies do not follow later weight updates.
    /// </summary>
    public void UseMatmulPrecision(ScalarType? type)
    {
        DisposeLowPrecision();
        if (type is not { } t) return;
        Linear[] layers = [token_mlp[0], token_mlp[1]];
        using var noGrad = no_grad();
        _lowWeights = [.. layers.Select(l => l.weight!.detach().to(t))];
        _lowBiases = [.. layers.Select(l => l.bias!.detach().to(t))];
    }

    /// <summary>
    /// Mixed-precision training: when set (bfloat16), both MLPs' four products run in this type from casts of the
    /// current fp32 parameters, forward and backward; LayerNorms, residual stream, parameters, gradients and optimiser
    /// stay fp32. Null (the default): every product in fp32. Inference copies (<see cref="UseMatmulPrecision"/>) win.
    /// </summary>
    public ScalarType? TrainingMatmulType { get; set; }

    /// <summary><paramref name="z"/> [N x C x P] -> [N x C x P].</summary>
    public override Tensor forward(Tensor z)
    {
        using var scope = NewDisposeScope();
        // Token mixing: Linear over the last axis (P) of [N x C x P]. ReLU in place on the hidden [N x C x Ht]
        // (the largest activation): Linear's backward does not need its output, so autograd allows it.
        var h = Mlp(norm1.forward(z), token_mlp, 0);
        var zt = h.AddInPlace(z).transpose(1, 2); // residual added in place into the fresh MLP output; [N x P x C]
        // Channel mixing: Linear over the last axis (C) of [N x P x C].
        var g = Mlp(norm2.forward(zt), channel_mlp, 2);
        return g.AddInPlace(zt).transpose(1, 2).MoveToOuterDisposeScope(); // [N x C x P]
    }

    /// <summary>The block as ONNX nodes on <paramref name="z"/> [N x C x P] (full precision, the same operations as <see cref="forward"/>).</summary>
    internal string BuildOnnx(OnnxGraph graph, string z)
    {
        string Mlp(string x, ModuleList<Linear> mlp) => graph.Linear(mlp[1], graph.Node("Relu", [graph.Linear(mlp[0], x)]));
        var h = Mlp(graph.LayerNorm(norm1, z, MixerScoreNet.Eps), token_mlp);
        var zt = graph.SwapLastAxes(graph.Node("Add", [h, z]));                            // [N x P x C]
        var g = Mlp(graph.LayerNorm(norm2, zt, MixerScoreNet.Eps), channel_mlp);
        return graph.SwapLastAxes(graph.Node("Add", [g, zt]));                             // [N x C x P]
    }

    /// <summary>Linear, ReLU, Linear; the token MLP (<paramref name="first"/> 0) in the low precision when set (hidden kept in it,
    /// output back to the input's dtype).</summary>
    private Tensor Mlp(Tensor x, ModuleList<Linear> mlp, int first)
    {
        if (_lowWeights is null && TrainingMatmulType is { } mixed)
            // Mixed precision: both products from casts of the fp32 parameters; autograd takes the gradients back
            // through the casts, so the parameters, their gradients and the optimiser stay fp32.
            return LowPrecisionMlp(x, mlp[0].weight!.to(mixed), mlp[0].bias!.to(mixed), mlp[1].weight!.to(mixed), mlp[1].bias!.to(mixed));
        if (_lowWeights is null || _lowBiases is null || first != 0) return mlp[1].forward(mlp[0].forward(x).relu_());
        return LowPrecisionMlp(x, _lowWeights[first], _lowBiases[first], _lowWeights[first + 1], _lowBiases[first + 1]);
    }

    /// <summary>Linear, ReLU, Linear in the weights' dtype (hidden kept in it), the output back in <paramref name="x"/>'s.</summary>
    private static Tensor LowPrecisionMlp(Tensor x, Tensor w0, Tensor b0, Tensor w1, Tensor b1) =>
        nn.functional.linear(nn.functional.linear(x.to(w0.dtype), w0, b0).relu_(), w1, b1).to(x.dtype);

    private void DisposeLowPrecision()
    {
        foreach (var t in (_lowWeights ?? []).Concat(_lowBiases ?? [])) t.Dispose();
        _lowWeights = null;
        _lowBiases = null;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) DisposeLowPrecision();
        base.Dispose(disposing);
    }
}
