using TorchSharp;
using ScoreBatch.Jobs.Diffusion;
using ScoreBatch.Jobs.Model;
using ScoreBatch.Jobs.Training;
using ScoreBatch.Jobs.Transforms;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Tests.Training;

/// <summary>The ncsnpp recipe in the trainer: warm-up, clipping and the EMA, resumed exactly and used by the model a checkpoint hands out.</summary>
public class TrainingRecipeTests
{
    private static TrainerOptions Recipe(long steps = 8) => new()
    {
        Steps = steps,
        BatchSize = 12,
        LearningRate = 1e-3,
        Optimizer = OptimizerNames.Adam,
        Seed = 99,
        CheckpointEvery = 0,
        LogEvery = 4,
        EmaDecay = 0.9,
        WarmupSteps = 5,
        GradientClipNorm = 1.0,
    };

    private static Tensor Images()
    {
        using var g = new Generator(5);
        return rand([40, 1, 8, 8], generator: g).mul_(3.ToScalar());
    }

    private static float[] Flat(IEnumerable<Tensor> tensors) => tensors.SelectMany(t => t.cpu().data<float>().ToArray()).ToArray();

    [Fact]
    public async Task Resume_NcsnppWithEma_GivesBitIdenticalLossesAndAverages()
    {
        using var images = Images();
        using var data = new InMemoryTrainingData(images);
        var ve = new VeProcess(sigmaMax: 20);
        var reference = new List<double>();
        float[] referenceEma;
        using (var model = ScoreNetFactory.Create(TinyModels.Ncsnpp8, new Generator(1)))
        using (var trainer = new Trainer(model, ve, Recipe()))
        {
            trainer.StepCompleted = (_, loss) => reference.Add(loss);
            await trainer.RunAsync(data, CancellationToken.None);
            referenceEma = Flat(trainer.Ema!.Averages);
        }

        byte[] saved;
        using (var model = ScoreNetFactory.Create(TinyModels.Ncsnpp8, new Generator(1)))
        using (var trainer = new Trainer(model, ve, Recipe()))
        using (var cts = new CancellationTokenSource())
        {
            trainer.StepCompleted = (step, _) => { if (step == 3) cts.Cancel(); };
            await trainer.RunAsync(data, cts.Token);
            using var stream = new MemoryStream();
            Checkpoint.Capture(trainer, new IdentityTransform()).Save(stream);
            saved = stream.ToArray();
        }

        var resumed = new List<double>();
        using (var model = ScoreNetFactory.Create(TinyModels.Ncsnpp8, new Generator(2)))
        using (var trainer = new Trainer(model, ve, Recipe()))
        {
            var checkpoint = Checkpoint.Load(new MemoryStream(saved), "resume.ckpt");
            Assert.Equal(0.9, checkpoint.Header.EmaDecay);
            trainer.Restore(checkpoint);
            Assert.Equal(3, trainer.Ema!.Updates);
            trainer.StepCompleted = (_, loss) => resumed.Add(loss);
            await trainer.RunAsync(data, CancellationToken.None);
            Assert.Equal(referenceEma, Flat(trainer.Ema.Averages)); // exact
            Assert.NotEqual(Flat(trainer.Model.parameters()), Flat(trainer.Ema.Averages));
        }
        Assert.Equal(reference.Skip(3), resumed); // exact equality
    }

    [Fact]
    public async Task Checkpoint_WithEma_ScoresWithTheAveragedWeights()
    {
        using var images = Images();
        using var data = new InMemoryTrainingData(images);
        using var model = ScoreNetFactory.Create(TinyModels.Ncsnpp8, new Generator(1));
        using var trainer = new Trainer(model, new VeProcess(sigmaMax: 20), Recipe(steps: 4));
        await trainer.RunAsync(data, CancellationToken.None);
        var averages = Flat(trainer.Ema!.Averages);

        var captured = Checkpoint.Load(Roundtrip(Checkpoint.Capture(trainer, new IdentityTransform())), "capture.ckpt");
        using (var scoring = captured.CreateModel()) Assert.Equal(averages, Flat(scoring.parameters()));
        var final = Checkpoint.Load(Roundtrip(Checkpoint.FinalModel(trainer, new IdentityTransform())), "final.ckpt");
        Assert.Equal(0, final.Header.EmaBytes);
        using (var handedOut = final.CreateModel())
        {
            Assert.Equal(averages, Flat(handedOut.parameters()));
            Assert.Equal(Flat(model.buffers()), Flat(handedOut.buffers())); // the Fourier frequencies
        }
    }

    [Fact]
    public async Task Warmup_FirstStep_MovesAFractionOfTheFullStep()
    {
        // Adam's first step is lr·m^/(sqrt(v^) + eps) = lr·g/(|g| + eps): with a warm-up of 10 steps it is 1/10 of that.
        using var images = Images();
        using var data = new InMemoryTrainingData(images);
        async Task<float[]> Change(long warmup)
        {
            using var model = ScoreNetFactory.Create(TinyModels.Mixer8, new Generator(3));
            var before = Flat(model.parameters());
            using var trainer = new Trainer(model, new VpProcess(), new TrainerOptions
            {
                Steps = 1, BatchSize = 12, LearningRate = 1e-3, Optimizer = OptimizerNames.Adam, Seed = 1, CheckpointEvery = 0, WarmupSteps = warmup,
            });
            await trainer.RunAsync(data, CancellationToken.None);
            return Flat(model.parameters()).Zip(before, (a, b) => a - b).ToArray();
        }
        var full = await Change(0);
        var warm = await Change(10);
        var i = Array.FindIndex(full, d => Math.Abs(d) > 5e-4);
        Assert.True(i >= 0);
        Assert.Equal(full[i] / 10, warm[i], 1e-6);
    }

    [Fact]
    public void Validate_BadRecipeValues_NameTheField()
    {
        Assert.Contains("EmaDecay", Assert.Throws<ArgumentException>(() => new TrainerOptions { EmaDecay = 1.0 }.Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("WarmupSteps", Assert.Throws<ArgumentException>(() => new TrainerOptions { WarmupSteps = -1 }.Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("GradientClipNorm", Assert.Throws<ArgumentException>(() => new TrainerOptions { GradientClipNorm = -1 }.Validate()).Message, StringComparison.Ordinal);
    }

    private static MemoryStream Roundtrip(Checkpoint checkpoint)
    {
        var stream = new MemoryStream();
        checkpoint.Save(stream);
        stream.Position = 0;
        return stream;
    }
}
