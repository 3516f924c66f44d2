using ScoreBatch.Jobs.Interop;
using ScoreBatch.Jobs.Model;
using ScoreBatch.Storage.Formats;

namespace ScoreBatch.Jobs.Tests.Interop;

public class EqxMixerConverterTests
{
    private static readonly ScoreNetOptions Tiny = new() { ImageSize = 8, Width = 16, TokenMlpWidth = 24, ChannelMlpWidth = 20, Blocks = 2 };

    [Fact]
    public void EqxMixerLayout_FourBlocks_Has55LeavesEndingWithT1()
    {
        var names = EqxMixerLayout.LeafNames(4);
        Assert.Equal(55, names.Count);
        Assert.Equal(["conv_in.weight", "conv_in.bias", "conv_out.weight", "conv_out.bias", "blocks.0.token_mlp.0.weight"], names.Take(5));
        Assert.Equal(["blocks.3.norm2.bias", "norm.weight", "norm.bias", "t1"], names.TakeLast(4));
    }

    [Fact]
    public void FlipTransposedKernel_OneEntry_MovesToSwappedAndFlippedPosition()
    {
        // eqx (o=1, c=2, 4, 4): the entry at [0, 1, 0, 3] is torch's [1, 0, 3, 0].
        var eqx = new float[1 * 2 * 16];
        eqx[(0 * 2 + 1) * 16 + 0 * 4 + 3] = 7f;
        var torchLayout = EqxMixerLayout.FlipTransposedKernel(eqx, 1, 2, 4);
        Assert.Equal(7f, torchLayout[(1 * 1 + 0) * 16 + 3 * 4 + 0]);
        Assert.Equal(1, torchLayout.Count(v => v != 0));
        Assert.Equal(eqx, EqxMixerLayout.FlipTransposedKernel(torchLayout, 2, 1, 4));
    }

    [Fact]
    public void ExportThenImport_TinyMixer_RoundTripsEveryParameterExactly()
    {
        using var model = new MixerScoreNet(Tiny);
        EqxInteropTests.PerturbNorms(model, seed: 4);
        using var buffer = new MemoryStream();
        EqxMixerConverter.Export(model, buffer);
        using var back = EqxMixerConverter.Import(buffer.ToArray(), "tiny.eqx", 8);
        Assert.Equal(Tiny with { }, back.Options);
        var a = model.state_dict();
        var b = back.state_dict();
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        foreach (var key in a.Keys)
            Assert.True(a[key].equal(b[key]).all().item<bool>(), key);
    }

    [Fact]
    public void LoadModel_EqxOrCheckpointName_GivesTheSameNetwork()
    {
        using var model = new MixerScoreNet(Tiny);
        using var eqx = new MemoryStream();
        EqxMixerConverter.Export(model, eqx);
        var fromEqx = ModelInterchange.LoadModel(eqx.ToArray(), "priors/tiny.eqx");
        Assert.Equal(Tiny with { }, fromEqx.Header.Model);
        Assert.Equal("log1p", fromEqx.Header.Transform.Name);
        using var ckpt = new MemoryStream();
        fromEqx.Save(ckpt);
        var fromCheckpoint = ModelInterchange.LoadModel(ckpt.ToArray(), "priors/tiny.ckpt");
        Assert.Equal(fromEqx.Header.PayloadSha256, fromCheckpoint.Header.PayloadSha256);
        var e = Assert.Throws<InvalidDataException>(() => ModelInterchange.LoadModel(new byte[20], "priors/junk.ckpt"));
        Assert.Contains("priors/junk.ckpt", e.Message);
    }

    [Fact]
    public void Import_WrongSize_ThrowsNamingBothSizes()
    {
        using var model = new MixerScoreNet(Tiny);
        using var buffer = new MemoryStream();
        EqxMixerConverter.Export(model, buffer);
        var e = Assert.Throws<InvalidDataException>(() => EqxMixerConverter.Import(buffer.ToArray(), "tiny.eqx", 64));
        Assert.Contains("tiny.eqx: the weights are for 8x8 images (P = 4 tokens of 4x4), not --size 64", e.Message);
    }

    [Fact]
    public void Import_MissingLeaf_ThrowsNamingLeafCount()
    {
        using var model = new MixerScoreNet(Tiny);
        var leaves = EqxMixerConverter.ExportLeaves(model).ToList();
        leaves.RemoveAt(10);
        var e = Assert.Throws<InvalidDataException>(() => EqxMixerConverter.Import(leaves, "short.eqx"));
        Assert.Contains("short.eqx: 30 leaves do not form a mixer", e.Message);
    }

    [Fact]
    public void Import_TransposedNormLeaf_ThrowsNamingLeafAndShapes()
    {
        using var model = new MixerScoreNet(Tiny);
        var leaves = EqxMixerConverter.ExportLeaves(model).ToList();
        // Leaf 12 is blocks.0.norm1.weight (16, 4); store it as (4, 16).
        leaves[12] = EqxLeaf.OfFloat32([4, 16], leaves[12].Data);
        var e = Assert.Throws<InvalidDataException>(() => EqxMixerConverter.Import(leaves, "bad.eqx"));
        Assert.Contains("bad.eqx: leaf 12 (blocks.0.norm1.weight) has shape (4, 16), expected (16, 4)", e.Message);
    }
}
