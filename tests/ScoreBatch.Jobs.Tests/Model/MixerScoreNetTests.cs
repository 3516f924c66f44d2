using ScoreBatch.Jobs.Model;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Tests.Model;

public class MixerScoreNetTests
{
    [Theory]
    // SCIENCE.md 1.1: 269,633 + 5,252·P with P = 64 tokens at 32² and 256 at 64² (the released priors' sizes).
    [InlineData(32, 605_761)]
    [InlineData(64, 1_614_145)]
    public void ParameterCount_DefaultOptions_MatchesReleasedPriors(int size, long expected)
    {
        using var model = ScoreNetFactory.Create(new ScoreNetOptions { ImageSize = size });
        Assert.Equal(expected, ScoreNetFactory.ParameterCount(model));
    }

    [Fact]
    public void StateDict_DefaultOptions_HasThe54EquinoxWeightLeavesUnderFieldNames()
    {
        // The .eqx file has 55 leaves: 54 weights and t1. Keys must be the field paths the importer maps.
        using var model = ScoreNetFactory.Create(new ScoreNetOptions { ImageSize = 32 });
        var keys = model.state_dict().Keys.ToHashSet();
        Assert.Equal(54, keys.Count);
        Assert.Contains("conv_in.weight", keys);
        Assert.Contains("conv_out.bias", keys);
        Assert.Contains("blocks.3.token_mlp.1.weight", keys);
        Assert.Contains("blocks.0.channel_mlp.0.bias", keys);
        Assert.Contains("blocks.2.norm2.weight", keys);
        Assert.Contains("norm.bias", keys);
        Assert.Equal(new long[] { 64, 64 }, model.state_dict()["blocks.0.norm1.weight"].shape); // (Width, P) at 32²
        Assert.Equal(new long[] { 64, 1, 4, 4 }, model.state_dict()["conv_out.weight"].shape);
    }

    [Fact]
    public void Forward_TinyMixer_ReturnsInputShape()
    {
        manual_seed(1);
        using var model = ScoreNetFactory.Create(TinyModels.Mixer8);
        using var y = randn(3, 1, 8, 8);
        using var t = tensor(new float[] { 0.1f, 5f, 9.9f });
        using var s = model.forward(y, t);
        Assert.Equal(new long[] { 3, 1, 8, 8 }, s.shape);
        Assert.True(s.isfinite().all().item<bool>());
    }

    [Fact]
    public void Forward_TimeInput_ChangesTheScore()
    {
        // The t/T plane is an input: the same image at two times must score differently.
        manual_seed(2);
        using var model = ScoreNetFactory.Create(TinyModels.Mixer8);
        using var y = randn(1, 1, 8, 8).expand(2, 1, 8, 8).contiguous();
        using var t = tensor(new float[] { 0.5f, 8f });
        using var s = model.forward(y, t);
        using var diff = (s[0] - s[1]).abs().max();
        Assert.True(diff.item<float>() > 1e-3f, $"scores at t = 0.5 and 8 differ by only {diff.item<float>()}");
    }

    [Fact]
    public void Initialisation_LinearBiases_AreUniformWithinOneOverSqrtFanIn()
    {
        // Equinox initialises biases like weights: U(±1/sqrt(fan_in)); torch would also, but a zero bias would fail here.
        manual_seed(3);
        using var model = ScoreNetFactory.Create(new ScoreNetOptions { ImageSize = 32 });
        var bias = model.state_dict()["blocks.0.channel_mlp.0.bias"]; // fan_in 64 -> bound 0.125
        var maxAbs = bias.abs().max().item<float>();
        Assert.InRange(maxAbs, 0.1f, 0.125f); // 512 draws: the max comes close to the bound
        var convOutBias = model.state_dict()["conv_out.bias"];          // fan_in 64·16 -> bound 1/32
        Assert.InRange(Math.Abs(convOutBias.item<float>()), 0f, 1f / 32);
        Assert.Equal(1f, model.state_dict()["norm.weight"].mean().item<float>());
    }

    [Fact]
    public void Create_SameSeededGenerator_GivesIdenticalWeightsWhateverTheGlobalRng()
    {
        // Jobs seed their own generator so concurrent jobs cannot change each other's initial weights. Regression:
        // TorchSharp's nn.init.uniform_ ignores its generator, so the weights came from the global RNG.
        float[] Weights(long globalSeed)
        {
            manual_seed(globalSeed);
            using var g = new Generator(7);
            using var model = ScoreNetFactory.Create(TinyModels.Mixer8, g);
            return model.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray();
        }
        Assert.Equal(Weights(1), Weights(2));
    }

    [Fact]
    public void Options_SizeNotDivisibleByPatch_ThrowsNamingValue()
    {
        var e = Assert.Throws<ArgumentException>(() => new ScoreNetOptions { ImageSize = 30 }.Validate());
        Assert.Contains("ImageSize", e.Message);
        Assert.Contains("30", e.Message);
    }

    [Fact]
    public void Factory_UnknownArchitecture_ThrowsNamingIt()
    {
        var e = Assert.Throws<ArgumentException>(() => ScoreNetFactory.Create(new ScoreNetOptions { Architecture = "unet9" }));
        Assert.Contains("'unet9'", e.Message);
    }
}
