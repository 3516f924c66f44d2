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
        norm1 = nn.LayerNorm([width, tokens], eps: 1e-5);
        norm2 = nn.LayerNorm([tokens, width], eps: 1e-5);
        RegisterComponents();
    }

    /// <summary><paramref name="z"/> [N x C x P] -> [N x C x P].</summary>
    public override Tensor forward(Tensor z)
    {
        using var scope = NewDisposeScope();
        // Token mixing: Linear over the last axis (P) of [N x C x P]. ReLU in place on the hidden [N x C x Ht]
        // (the largest activation): Linear's backward does not need its output, so autograd allows it.
        var h = token_mlp[1].forward(token_mlp[0].forward(norm1.forward(z)).relu_());
        var zt = h.AddInPlace(z).transpose(1, 2); // residual added in place into the fresh MLP output; [N x P x C]
        // Channel mixing: Linear over the last axis (C) of [N x P x C].
        var g = channel_mlp[1].forward(channel_mlp[0].forward(norm2.forward(zt)).relu_());
        return g.AddInPlace(zt).transpose(1, 2).MoveToOuterDisposeScope(); // [N x C x P]
    }
}
