using ScoreBatch.Jobs.Diffusion;
using ScoreBatch.Jobs.Model;
using ScoreBatch.Jobs.Synthetic;
using ScoreBatch.Jobs.Training;
using ScoreBatch.Jobs.Transforms;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Tests.Training;

/// <summary>
/// The ncsnpp U-Net with its recipe (VE with sigma_max from the data, Adam, warm-up, clipping, EMA) end to end:
/// on synthetic galaxies training lowers the loss.
/// </summary>
public class NcsnppTrainingTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Train_SyntheticGalaxies_LowersTheLoss()
    {
        const int size = 16, count = 32;
        var builder = new SyntheticDatasetBuilder(SersicGalaxyOptions.ForSize(size));
        var galaxies = builder.Build(count, seed: 1);
        var transform = new Log1pTransform();
        using var images = transform.Forward(tensor(galaxies.Pixels, [count, 1, size, size]));
        var sigmaMax = VeSigmaMax.LargestPairwiseDistance(images);
        var ve = new VeProcess(sigmaMax: sigmaMax);
        using var data = new InMemoryTrainingData(images.clone());
        using var model = ScoreNetFactory.Create(TinyModels.Ncsnpp16 with { Nf = 4, ChannelMultipliers = "1,2", ResBlocks = 1, AttentionResolution = 8 }, new Generator(3));
        using var trainer = new Trainer(model, ve, new TrainerOptions
        {
            Steps = 40, BatchSize = 8, LearningRate = 3e-3, Optimizer = OptimizerNames.Adam, Seed = 2, CheckpointEvery = 0,
            EmaDecay = 0.999, WarmupSteps = 5, GradientClipNorm = 1.0,
        });
        var losses = new List<double>();
        trainer.StepCompleted = (_, l) => losses.Add(l);
        await trainer.RunAsync(data, CancellationToken.None);
        var first = losses.Take(10).Average();
        var last = losses.TakeLast(10).Average();
        output.WriteLine($"sigma_max {sigmaMax:F2}; loss over the first 10 steps {first:F4}, last 10 {last:F4}");
        Assert.True(sigmaMax > 1, "galaxies differ by more than the noise floor");
        Assert.True(last < 0.8 * first, $"training lowers the loss: first {first:F4}, last {last:F4}");
    }
}
