using ScoreBatch.Jobs.Runtime;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Model.Ncsnpp;

/// <summary>
/// The NCSN++ U-Net (SCIENCE.md 1.2; Song et al. 2021, score_sde's ncsnpp with BigGAN blocks, no FIR, no progressive
/// paths), version <see cref="ScoreNetArchitectures.NcsnppVersion"/>. Conditioning c = log sigma(t)
/// (<see cref="ScoreNetConditioning.LogSigma"/>):
/// emb = temb_1(SiLU(temb_0(Fourier(c)))) of width 4·nf, added per channel in every residual block.
/// Down: conv_in (3x3, 1 -> nf), per level <see cref="ScoreNetOptions.ResBlocks"/> blocks to nf·mult (attention after
/// each at the attention level), then a down-sampling block except at the last level; every output is kept.
/// Middle: block, attention, block. Up: per level (deepest first) ResBlocks + 1 blocks, each on [h, a kept output],
/// attention at the attention level, then an up-sampling block except at the first level.
/// Out: conv_out(SiLU(norm_out(h))) / exp(c). Field names are the state-dict keys (docs/formats.md).
/// </summary>
public sealed class NcsnppScoreNet : ScoreNet
{
    private readonly GaussianFourierProjection fourier;
    private readonly Linear temb_0;
    private readonly Linear temb_1;
    private readonly Conv3x3 conv_in;
    private readonly ModuleList<nn.Module> down;
    private readonly ModuleList<nn.Module> mid;
    private readonly ModuleList<nn.Module> up;
    private readonly GroupNorm norm_out;
    private readonly Conv3x3 conv_out;

    private readonly IReadOnlyList<int> multipliers;
    private readonly int attention;

    /// <param name="options">The network's shape (Architecture "ncsnpp").</param>
    /// <param name="generator">Draws the initial weights and the Fourier frequencies; null uses torch's global generator.</param>
    public NcsnppScoreNet(ScoreNetOptions options, Generator? generator = null) : base(nameof(NcsnppScoreNet), options.Validate())
    {
        if (options.Architecture != ScoreNetArchitectures.Ncsnpp)
            throw new ArgumentException($"NcsnppScoreNet needs Architecture '{ScoreNetArchitectures.Ncsnpp}', got '{options.Architecture}'");
        multipliers = options.NcsnppMultipliers();
        attention = options.NcsnppAttentionResolution;
        var nf = options.Nf;
        var embedding = 4 * nf;
        fourier = new GaussianFourierProjection(nf, generator);
        temb_0 = nn.Linear(2 * nf, embedding);
        temb_1 = nn.Linear(embedding, embedding);
        conv_in = new Conv3x3(options.Channels, nf);

        var downModules = new List<nn.Module>();
        var kept = new Stack<int>();
        kept.Push(nf);
        var channels = nf;
        for (var level = 0; level < multipliers.Count; level++)
        {
            var resolution = options.ImageSize >> level;
            for (var block = 0; block < options.ResBlocks; block++)
            {
                var outChannels = nf * multipliers[level];
                downModules.Add(new NcsnppResBlock(channels, outChannels, embedding, Resample.None, generator));
                channels = outChannels;
                if (resolution == attention) downModules.Add(new NcsnppAttention(channels, generator));
                kept.Push(channels);
            }
            if (level != multipliers.Count - 1)
            {
                downModules.Add(new NcsnppResBlock(channels, channels, embedding, Resample.Down, generator));
                kept.Push(channels);
            }
        }
        var midModules = new List<nn.Module>
        {
            new NcsnppResBlock(channels, channels, embedding, Resample.None, generator),
            new NcsnppAttention(channels, generator),
            new NcsnppResBlock(channels, channels, embedding, Resample.None, generator),
        };
        var upModules = new List<nn.Module>();
        for (var level = multipliers.Count - 1; level >= 0; level--)
        {
            var resolution = options.ImageSize >> level;
            for (var block = 0; block < options.ResBlocks + 1; block++)
            {
                var outChannels = nf * multipliers[level];
                upModules.Add(new NcsnppResBlock(channels + kept.Pop(), outChannels, embedding, Resample.None, generator));
                channels = outChannels;
            }
            if (resolution == attention) upModules.Add(new NcsnppAttention(channels, generator));
            if (level != 0) upModules.Add(new NcsnppResBlock(channels, channels, embedding, Resample.Up, generator));
        }
        down = nn.ModuleList(downModules.ToArray());
        mid = nn.ModuleList(midModules.ToArray());
        up = nn.ModuleList(upModules.ToArray());
        norm_out = GroupNorm(channels);
        conv_out = new Conv3x3(channels, options.Channels);
        RegisterComponents();
        NcsnppInit.Dense(temb_0, 1.0, generator);
        NcsnppInit.Dense(temb_1, 1.0, generator);
        NcsnppInit.Conv(conv_in, 1.0, generator);
        NcsnppInit.Conv(conv_out, 0.0, generator);
    }

    /// <inheritdoc />
    public override ScoreNetConditioning Conditioning => ScoreNetConditioning.LogSigma;

    /// <summary>
    /// GroupNorm with min(C/4, 32) groups, eps 1e-6, scale 1 and shift 0 (TorchSharp 0.107 leaves them uninitialised);
    /// throws naming C when the groups do not divide it.
    /// </summary>
    internal static GroupNorm GroupNorm(int channels)
    {
        var groups = Math.Min(channels / 4, 32);
        if (groups < 1 || channels % groups != 0)
            throw new ArgumentException($"ScoreNetOptions.Nf: a layer of {channels} channels cannot be split into min(C/4, 32) = {groups} GroupNorm groups; choose Nf and ChannelMultipliers so that every width (and sum of two level widths) is a multiple of 4, and of 32 above 128");
        var norm = nn.GroupNorm(groups, channels, eps: 1e-6);
        using var noGrad = no_grad();
        norm.weight!.fill_(TorchScalars.One);
        norm.bias!.zero_();
        return norm;
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor y, Tensor c)
    {
        var n = y.shape[0];
        var size = Options.ImageSize;
        if (y.dim() != 4 || y.shape[1] != Options.Channels || y.shape[2] != size || y.shape[3] != size)
            throw new ArgumentException($"NcsnppScoreNet expects y of shape [N x {Options.Channels} x {size} x {size}], got [{string.Join(" x ", y.shape)}]");
        if (c.dim() != 1 || c.shape[0] != n)
            throw new ArgumentException($"NcsnppScoreNet expects the conditioning c = log sigma of shape [{n}], got [{string.Join(" x ", c.shape)}]");

        using var scope = NewDisposeScope();
        var logSigma = c.to(y.dtype);
        var emb = temb_1.forward(nn.functional.silu(temb_0.forward(fourier.forward(logSigma))));  // [N x 4nf]

        var kept = new Stack<Tensor>();
        var h = conv_in.forward(y);
        kept.Push(h);
        var index = 0;
        for (var level = 0; level < multipliers.Count; level++)
        {
            for (var block = 0; block < Options.ResBlocks; block++)
            {
                h = Res(down[index++], h, emb);
                if ((size >> level) == attention) h = Attend(down[index++], h);
                kept.Push(h);
            }
            if (level != multipliers.Count - 1)
            {
                h = Res(down[index++], h, emb);
                kept.Push(h);
            }
        }
        h = Attend(mid[1], Res(mid[0], h, emb));
        h = Res(mid[2], h, emb);
        index = 0;
        for (var level = multipliers.Count - 1; level >= 0; level--)
        {
            for (var block = 0; block < Options.ResBlocks + 1; block++)
                h = Res(up[index++], cat([h, kept.Pop()], 1), emb);
            if ((size >> level) == attention) h = Attend(up[index++], h);
            if (level != 0) h = Res(up[index++], h, emb);
        }
        h = conv_out.forward(nn.functional.silu(norm_out.forward(h)));
        return h.div(logSigma.exp().view(n, 1, 1, 1)).MoveToOuterDisposeScope(); // output / sigma
    }

    private static Tensor Res(nn.Module module, Tensor h, Tensor emb) => ((NcsnppResBlock)module).forward(h, emb);

    private static Tensor Attend(nn.Module module, Tensor h) => ((NcsnppAttention)module).forward(h);
}
