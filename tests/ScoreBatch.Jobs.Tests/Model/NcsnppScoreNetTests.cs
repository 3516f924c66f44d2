using ScoreBatch.Jobs.Diffusion;
using ScoreBatch.Jobs.Model;
using ScoreBatch.Jobs.Model.Ncsnpp;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Tests.Model;

public class NcsnppScoreNetTests
{
    [Theory]
    // Pinned against the PyTorch definition in NcsnppParityTests (sum of numel over its parameters).
    [InlineData(32, 7_003_969)]
    [InlineData(64, 9_878_849)]
    public void ParameterCount_Defaults_IsPinned(int size, long expected)
    {
        using var model = ScoreNetFactory.Create(new ScoreNetOptions { Architecture = ScoreNetArchitectures.Ncsnpp, ImageSize = size });
        Assert.IsType<NcsnppScoreNet>(model);
        Assert.Equal(expected, ScoreNetFactory.ParameterCount(model));
    }

    [Fact]
    public void Defaults_BySize_FollowTheIssue()
    {
        var at32 = new ScoreNetOptions { Architecture = ScoreNetArchitectures.Ncsnpp, ImageSize = 32 };
        var at64 = at32 with { ImageSize = 64 };
        Assert.Equal([1, 2, 2], at32.NcsnppMultipliers());
        Assert.Equal([1, 2, 2, 2], at64.NcsnppMultipliers());
        Assert.Equal(8, at32.NcsnppAttentionResolution);
        Assert.Equal(16, at64.NcsnppAttentionResolution);
        Assert.Equal(64, at32.Nf);
        Assert.Equal(2, at32.ResBlocks);
    }

    [Fact]
    public void Forward_Shape_AndOutputScalesAsOneOverSigma()
    {
        // Everything before the final division depends on sigma only through the embedding; with the same c the
        // output is the same. Here c differs but the net's pre-division output is checked by multiplying back.
        using var model = ScoreNetFactory.Create(TinyModels.Ncsnpp16, new Generator(3));
        Perturb(model, 5);
        model.eval();
        using var g = new Generator(7);
        using var y = randn([2, 1, 16, 16], generator: g);
        using var c = tensor(new[] { 0f, 0f });
        using var c2 = tensor(new[] { (float)Math.Log(4), (float)Math.Log(4) });
        using var noGrad = no_grad();
        using var out1 = model.forward(y, c);
        Assert.Equal([2, 1, 16, 16], out1.shape);
        Assert.True(out1.abs().max().item<float>() > 1e-3, "perturbed weights give a non-trivial output");
        Assert.Equal(ScoreNetConditioning.LogSigma, model.Conditioning);
        // Conditioning through the prior: c = log s(t) of the process.
        var ve = new VeProcess();
        using var t = tensor(new[] { 0.5f, 1f });
        using var cond = ScorePrior.Conditioning(model, ve, t);
        Assert.Equal(Math.Log(ve.MarginalStd(0.5)), cond[0].item<float>(), 4);
        using var out2 = model.forward(y, c2);
        Assert.False(out1.allclose(out2), "the embedding of log sigma changes the output");
    }

    [Fact]
    public void Create_FreshNetwork_NormsAreIdentityAndOutputStartsNearZero()
    {
        // score_sde's initialisation: GroupNorm scale 1 and shift 0; the output convolution scaled by 1e-10, so the
        // untrained sigma·score (the network before its division by sigma) is ~0 and finite at every noise level.
        using var model = ScoreNetFactory.Create(TinyModels.Ncsnpp8, new Generator(7));
        foreach (var (name, p) in model.named_parameters().Where(p => p.name.Contains("norm", StringComparison.Ordinal)))
            Assert.Equal(name.EndsWith("weight", StringComparison.Ordinal) ? 1f : 0f, p.abs().max().item<float>());
        using var noGrad = no_grad();
        using var y = randn([4, 1, 8, 8], generator: new Generator(1));
        using var c = tensor(new[] { -4.6f, 0f, 2f, 3.9f });
        using var score = model.forward(y, c);
        using var scaled = score.mul(c.exp().view(4, 1, 1, 1));
        Assert.InRange(scaled.abs().max().item<float>(), 0, 1e-4);
    }

    [Fact]
    public void Conv3x3_ForwardAndBackward_MatchConv2dAndRepeatExactly()
    {
        // The unfold + matmul convolution gives conv2d's forward and the same finite input gradient on every call
        // (TorchSharp's padded 3x3 conv2d backward did not: Conv3x3's summary).
        using var g = new Generator(3);
        using var conv = new Conv3x3(8, 8);
        using (var noGrad = no_grad()) conv.Weight.normal_(0, 0.1, g);
        using var x0 = randn([4, 8, 4, 4], generator: g);
        using var w = randn([4, 8, 4, 4], generator: g);
        using (var noGrad = no_grad())
        using (var reference = nn.functional.conv2d(x0, conv.Weight, conv.Bias, padding: [1, 1]))
        using (var ours = conv.forward(x0))
            Assert.True(ours.allclose(reference, 1e-5, 1e-6));
        Tensor? first = null;
        for (var i = 0; i < 10; i++)
        {
            using var x = x0.clone().requires_grad_();
            using (var loss = conv.forward(x).mul(w).sum()) loss.backward();
            Assert.True(x.grad!.isfinite().all().item<bool>());
            if (first is null) first = x.grad.clone();
            else Assert.True(x.grad.allclose(first, 0, 0), $"backward {i} differs from the first");
        }
        first!.Dispose();
    }

    [Fact]
    public void Create_SizeNotDivisible_NamesTheField()
    {
        var e = Assert.Throws<ArgumentException>(() => ScoreNetFactory.Create(TinyModels.Ncsnpp16 with { ImageSize = 18 }));
        Assert.Contains("ScoreNetOptions.ImageSize", e.Message, StringComparison.Ordinal);
        var nf = Assert.Throws<ArgumentException>(() => ScoreNetFactory.Create(TinyModels.Ncsnpp16 with { Nf = 10 }));
        Assert.Contains("ScoreNetOptions.Nf", nf.Message, StringComparison.Ordinal);
        var mult = Assert.Throws<ArgumentException>(() => ScoreNetFactory.Create(TinyModels.Ncsnpp16 with { ChannelMultipliers = "1,x" }));
        Assert.Contains("ScoreNetOptions.ChannelMultipliers", mult.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Every parameter drawn afresh, so no branch starts as the identity (the zero-initialised layers): weights
    /// N(0, 1/fan_in), biases N(0, 0.1²), norm scales N(1, 0.1²).
    /// </summary>
    internal static void Perturb(nn.Module model, int seed)
    {
        using var g = new Generator((ulong)seed);
        using var noGrad = no_grad();
        foreach (var (name, p) in model.named_parameters())
        {
            if (p.dim() >= 2) p.normal_(0, 1 / Math.Sqrt(p.numel() / p.shape[0]), g);
            else if (name.Contains("norm", StringComparison.Ordinal) && name.EndsWith("weight", StringComparison.Ordinal)) p.normal_(1, 0.1, g);
            else p.normal_(0, 0.1, g);
        }
    }
}
