using ScoreBatch.Jobs.Model;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Tests.Model;

public class ScoreNetInitTests
{
    [Fact]
    public void Create_SameSeededGenerator_IdenticalWeightsWhateverTheGlobalGenerator()
    {
        // Jobs seed their own generator so that concurrent jobs in one process cannot perturb each other's initial
        // weights. (TorchSharp 0.107's nn.init.uniform_ ignores its generator argument; this pins the workaround.)
        using var g1 = new Generator(7);
        using var g2 = new Generator(7);
        manual_seed(1);
        using var m1 = ScoreNetFactory.Create(TinyModels.Mixer8, g1);
        manual_seed(2);
        using var m2 = ScoreNetFactory.Create(TinyModels.Mixer8, g2);

        var differing = m1.named_parameters().Zip(m2.named_parameters())
            .Where(p => !p.First.parameter.allclose(p.Second.parameter, 0, 0)).Select(p => p.First.name).ToList();
        Assert.Empty(differing);
    }

    [Fact]
    public void Create_Seeded_WeightsWithinEquinoxBounds()
    {
        // U(±1/sqrt(fan_in)) for weights and biases: conv_in fan_in = 2·4·4 = 32, so |w| <= 1/sqrt(32) = 0.1768.
        using var g = new Generator(3);
        using var m = ScoreNetFactory.Create(TinyModels.Mixer8, g);
        var convIn = m.named_parameters().Single(p => p.name == "conv_in.weight").parameter;
        var max = convIn.abs().max().item<float>();
        Assert.InRange(max, 0.1768f * 0.8f, 0.1768f);
    }
}
