using ScoreBatch.Jobs.Model.Onnx;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Model;

/// <summary>
/// The MLP-Mixer score network of the released galaxy priors (SCIENCE.md 1.1), version
/// <see cref="ScoreNetArchitectures.MixerVersion"/>:
/// [y, c plane] (2 x N x N), c = t/T from <see cref="ScorePrior"/>, -> conv_in (k = s = patch) -> Z (Width x P) -> blocks -> norm -> conv_out (transposed,
/// k = s = patch) -> (1 x N x N). The raw output is the score; there is no output scaling.
/// </summary>
public sealed class MixerScoreNet : ScoreNet
{
    // Typed submodules in the equinox leaf order (SCIENCE.md 9); field names are checkpoint keys.
    private readonly Conv2d conv_in;
    private readonly ConvTranspose2d conv_out;
    private readonly ModuleList<MixerBlock> blocks;
    private readonly LayerNorm norm;

    private readonly int patchSide; // N / patch: tokens per row

    /// <param name="options">The network's shape.</param>
    /// <param name="generator">Draws the initial weights; null uses torch's global generator. Jobs pass their own
    /// seeded generator so that concurrent jobs in one process cannot change each other's initial weights.</param>
    public MixerScoreNet(ScoreNetOptions options, Generator? generator = null) : base(nameof(MixerScoreNet), options.Validate())
    {
        if (options.Architecture != ScoreNetArchitectures.Mixer)
            throw new ArgumentException($"MixerScoreNet needs Architecture '{ScoreNetArchitectures.Mixer}', got '{options.Architecture}'");
        patchSide = options.ImageSize / options.PatchSize;
        var p = options.Tokens;
        conv_in = nn.Conv2d(options.Channels + 1, options.Width, options.PatchSize, stride: options.PatchSize);
        conv_out = nn.ConvTranspose2d(options.Width, options.Channels, options.PatchSize, stride: options.PatchSize);
        blocks = nn.ModuleList(Enumerable.Range(0, options.Blocks)
            .Select(_ => new MixerBlock(options.Width, p, options.TokenMlpWidth, options.ChannelMlpWidth)).ToArray());
        norm = nn.LayerNorm([options.Width, p], eps: Eps);
        RegisterComponents();
        InitialiseLikeEquinox(generator);
    }

    /// <inheritdoc />
    public override ScoreNetConditioning Conditioning => ScoreNetConditioning.TimeFraction;

    /// <summary>The blocks' token and channel MLPs in <paramref name="type"/>; the patch convolutions, LayerNorms and the
    /// residual stream stay in full precision (<see cref="MixerBlock.UseMatmulPrecision"/>).</summary>
    public override void UseMatmulPrecision(ScalarType? type)
    {
        foreach (var block in blocks) block.UseMatmulPrecision(type);
    }

    /// <inheritdoc />
    public override void UseTrainingMatmulPrecision(ScalarType? type)
    {
        foreach (var block in blocks) block.TrainingMatmulType = type;
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor y, Tensor c)
    {
        var n = y.shape[0];
        var size = Options.ImageSize;
        if (y.dim() != 4 || y.shape[1] != Options.Channels || y.shape[2] != size || y.shape[3] != size)
            throw new ArgumentException($"MixerScoreNet expects y of shape [N x {Options.Channels} x {size} x {size}], got [{string.Join(" x ", y.shape)}]");
        if (c.dim() != 1 || c.shape[0] != n)
            throw new ArgumentException($"MixerScoreNet expects the conditioning c = t/T of shape [{n}], got [{string.Join(" x ", c.shape)}]");

        using var scope = NewDisposeScope();
        var plane = c.to(y.dtype).view(n, 1, 1, 1).expand(n, 1, size, size);                 // [N x 1 x H x W]
        var x = cat([y, plane], 1);                                                     // [N x 2 x H x W]
        var z = conv_in.forward(x).flatten(2);                                            // [N x C x P], row-major tokens
        foreach (var block in blocks) z = block.forward(z);
        z = norm.forward(z).view(n, Options.Width, patchSide, patchSide);                 // [N x C x N/p x N/p]
        return conv_out.forward(z).MoveToOuterDisposeScope();                             // [N x 1 x H x W]
    }

    /// <inheritdoc />
    public override bool HasOnnxGraph => true;

    /// <inheritdoc />
    /// <remarks>
    /// The patch convolutions (kernel = stride = patch) are written as what they are, products over non-overlapping
    /// patches (Reshape, Transpose, MatMul), and the c plane's share of conv_in as c times the per-channel sum of its
    /// kernel slice (the plane is constant): three matrix products instead of two convolutions and a concatenation.
    /// </remarks>
    public override string BuildOnnx(OnnxGraph graph, string y, string c)
    {
        ArgumentNullException.ThrowIfNull(graph);
        long k = Options.PatchSize, s = patchSide, ch = Options.Channels, w = Options.Width, size = Options.ImageSize;
        var kernel = conv_in.weight!.detach();                                                  // [W x (C+1) x k x k]
        using var imageKernel = kernel[.., ..(int)ch].reshape(w, ch * k * k);                     // [W x C·k²]
        using var planeKernel = kernel[.., (int)ch].sum([1, 2]).reshape(w, 1);                    // [W x 1]
        using var inBias = conv_in.bias!.detach().reshape(w, 1);
        // y [N x C x H x W] -> patches [N x C·k² x P], P = row-major patch index as conv_in's flatten(2).
        var patches = graph.Node("Reshape", [y, graph.Int64s(0, ch, s, k, s, k)]);
        patches = graph.Node("Transpose", [patches], OnnxAttribute.Ints("perm", 0, 1, 3, 5, 2, 4)); // [N x C x k x k x S x S]
        patches = graph.Node("Reshape", [patches, graph.Int64s(0, ch * k * k, s * s)]);
        var z = graph.Node("MatMul", [graph.Constant(imageKernel), patches]);                   // [N x W x P]
        var cColumn = graph.Node("Reshape", [c, graph.Int64s(-1, 1, 1)]);                         // [N x 1 x 1]
        var shift = graph.Node("Add", [graph.Node("Mul", [cColumn, graph.Constant(planeKernel)]), graph.Constant(inBias)]); // [N x W x 1]
        z = graph.Node("Add", [z, shift]);
        foreach (var block in blocks) z = block.BuildOnnx(graph, z);
        z = graph.LayerNorm(norm, z, Eps);
        // conv_out (transposed, kernel = stride = patch): [C·k² x W] @ z [N x W x P], then the patches back in place.
        using var outKernel = conv_out.weight!.detach().reshape(w, ch * k * k).t();              // [C·k² x W]
        using var outBias = conv_out.bias!.detach().reshape(ch, 1, 1);
        var image = graph.Node("MatMul", [graph.Constant(outKernel), z]);                        // [N x C·k² x P]
        image = graph.Node("Reshape", [image, graph.Int64s(0, ch, k, k, s, s)]);
        image = graph.Node("Transpose", [image], OnnxAttribute.Ints("perm", 0, 1, 4, 2, 5, 3));   // [N x C x S x k x S x k]
        image = graph.Node("Reshape", [image, graph.Int64s(0, ch, size, size)]);
        return graph.Node("Add", [image, graph.Constant(outBias)]);
    }

    /// <summary>The LayerNorms' epsilon (here and in every block).</summary>
    internal const double Eps = 1e-5;

    /// <summary>
    /// Equinox's initialisation: every Linear and convolution weight AND bias ~ U(-1/sqrt(fan_in), +1/sqrt(fan_in));
    /// LayerNorm weight 1, bias 0. fan_in: in_features for Linear, in_channels·k² for Conv2d; for the transposed
    /// convolution equinox uses its (out, in, k, k) kernel's fan-in, i.e. Width·k².
    /// </summary>
    private void InitialiseLikeEquinox(Generator? generator)
    {
        using var noGrad = no_grad();
        var k2 = Options.PatchSize * Options.PatchSize;
        Uniform(conv_in.weight!, conv_in.bias!, (Options.Channels + 1) * k2, generator);
        Uniform(conv_out.weight!, conv_out.bias!, Options.Width * k2, generator);
        foreach (var module in blocks.modules())
        {
            if (module is Linear linear) Uniform(linear.weight!, linear.bias!, (int)linear.weight!.shape[1], generator);
        }
    }

    private static void Uniform(Tensor weight, Tensor bias, int fanIn, Generator? generator)
    {
        var bound = 1.0 / Math.Sqrt(fanIn);
        weight.uniform_(-bound, bound, generator);
        bias.uniform_(-bound, bound, generator);
    }
}
