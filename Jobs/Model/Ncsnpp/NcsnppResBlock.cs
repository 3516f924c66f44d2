using ScoreBatch.Jobs.Runtime;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Model.Ncsnpp;

/// <summary>How a residual block changes the resolution.</summary>
internal enum Resample
{
    None,

    /// <summary>2x2 average pooling of both branches.</summary>
    Down,

    /// <summary>Nearest-neighbour 2x up-sampling of both branches.</summary>
    Up,
}

/// <summary>
/// BigGAN-style residual block of NCSN++ (score_sde's ResnetBlockBigGANpp without FIR):
/// h = conv_0(resample(SiLU(norm_0(x)))) + dense_0(SiLU(emb)) per channel; h = conv_1(SiLU(norm_1(h)));
/// x -> skip(resample(x)) (a 1x1 convolution when the width or resolution changes); out = (x + h)/sqrt(2).
/// GroupNorm with min(C/4, 32) groups and eps 1e-6. Field names are the state-dict keys.
/// </summary>
internal sealed class NcsnppResBlock : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly GroupNorm norm_0;
    private readonly Conv3x3 conv_0;
    private readonly Linear dense_0;
    private readonly GroupNorm norm_1;
    private readonly Conv3x3 conv_1;
    private readonly Conv2d? skip;
    private readonly Resample resample;

    public NcsnppResBlock(int inChannels, int outChannels, int embeddingWidth, Resample resample, Generator? generator) : base(nameof(NcsnppResBlock))
    {
        this.resample = resample;
        norm_0 = NcsnppScoreNet.GroupNorm(inChannels);
        conv_0 = new Conv3x3(inChannels, outChannels);
        dense_0 = nn.Linear(embeddingWidth, outChannels);
        norm_1 = NcsnppScoreNet.GroupNorm(outChannels);
        conv_1 = new Conv3x3(outChannels, outChannels);
        if (inChannels != outChannels || resample != Resample.None) skip = nn.Conv2d(inChannels, outChannels, 1);
        RegisterComponents();
        NcsnppInit.Conv(conv_0, 1.0, generator);
        NcsnppInit.Dense(dense_0, 1.0, generator);
        NcsnppInit.Conv(conv_1, 0.0, generator);
        if (skip is not null) NcsnppInit.Conv(skip, 1.0, generator);
    }

    /// <summary><paramref name="x"/> [N x Cin x H x W], <paramref name="emb"/> [N x 4nf] -> [N x Cout x H' x W'].</summary>
    public override Tensor forward(Tensor x, Tensor emb)
    {
        using var scope = NewDisposeScope();
        var h = nn.functional.silu(norm_0.forward(x));
        h = Resampled(h);
        x = Resampled(x);
        h = conv_0.forward(h);
        h = h.Plus(dense_0.forward(nn.functional.silu(emb)).unsqueeze(2).unsqueeze(3));
        h = conv_1.forward(nn.functional.silu(norm_1.forward(h)));
        if (skip is not null) x = skip.forward(x);
        return x.Plus(h).DividedBy(Math.Sqrt(2.0)).MoveToOuterDisposeScope();
    }

    private Tensor Resampled(Tensor x) => resample switch
    {
        Resample.Down => nn.functional.avg_pool2d(x, 2),
        Resample.Up => nn.functional.interpolate(x, scale_factor: [2.0, 2.0], mode: InterpolationMode.Nearest),
        _ => x,
    };
}
