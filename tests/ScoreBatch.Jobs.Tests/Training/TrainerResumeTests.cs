using ScoreBatch.Jobs.Diffusion;
using ScoreBatch.Jobs.Model;
using ScoreBatch.Jobs.Training;
using ScoreBatch.Jobs.Transforms;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Tests.Training;

public class TrainerResumeTests
{
    private static TrainerOptions Options(string optimizer) => new()
    {
        Steps = 8,
        BatchSize = 12, // 40 images: 3 batches per epoch, 4 dropped, so the run crosses two epoch boundaries
        LearningRate = 1e-3,
        Optimizer = optimizer,
        Seed = 99,
        CheckpointEvery = 0,
        LogEvery = 4,
    };

    private static Tensor Images()
    {
        using var g = new Generator(5);
        return rand([40, 1, 8, 8], generator: g);
    }

    [Theory]
    [InlineData(OptimizerNames.AdaBelief)]
    [InlineData(OptimizerNames.Adam)]
    public async Task Resume_InterruptedAtStep5_GivesBitIdenticalLosses(string optimizer)
    {
        using var images = Images();
        using var data = new InMemoryTrainingData(images);

        // Uninterrupted run.
        // Weights from a private generator, not the global one: tests running in parallel draw from that.
        var reference = new List<double>();
        using (var model = ScoreNetFactory.Create(TinyModels.Mixer8, new Generator(1)))
        using (var trainer = new Trainer(model, new VpProcess(), Options(optimizer)))
        {
            trainer.StepCompleted = (_, loss) => reference.Add(loss);
            var done = await trainer.RunAsync(data, CancellationToken.None);
            Assert.False(done.Cancelled);
        }

        // The same run cancelled after step 5, checkpointed, then resumed into a differently initialised model.
        byte[] saved;
        var firstPart = new List<double>();
        using (var model = ScoreNetFactory.Create(TinyModels.Mixer8, new Generator(1)))
        using (var trainer = new Trainer(model, new VpProcess(), Options(optimizer)))
        using (var cts = new CancellationTokenSource())
        {
            trainer.StepCompleted = (step, loss) =>
            {
                firstPart.Add(loss);
                if (step == 5) cts.Cancel();
            };
            var stopped = await trainer.RunAsync(data, cts.Token);
            Assert.True(stopped.Cancelled);
            Assert.Equal(5, stopped.Step);
            using var stream = new MemoryStream();
            Checkpoint.Capture(trainer, new IdentityTransform()).Save(stream);
            saved = stream.ToArray();
        }

        var secondPart = new List<double>();
        using (var model = ScoreNetFactory.Create(TinyModels.Mixer8, new Generator(777)))
        using (var trainer = new Trainer(model, new VpProcess(), Options(optimizer)))
        {
            var checkpoint = Checkpoint.Load(new MemoryStream(saved), "resume.ckpt");
            trainer.Restore(checkpoint);
            Assert.Equal(firstPart, trainer.LossTail);
            trainer.StepCompleted = (_, loss) => secondPart.Add(loss);
            await trainer.RunAsync(data, CancellationToken.None);
        }

        Assert.Equal(reference, firstPart.Concat(secondPart).ToList()); // exact equality, not a tolerance
    }

    [Fact]
    public async Task Run_ProgressAndCheckpointCallbacks_FireOnSchedule()
    {
        using var images = Images();
        using var data = new InMemoryTrainingData(images);
        manual_seed(2);
        using var model = ScoreNetFactory.Create(TinyModels.Mixer8);
        var options = Options(OptimizerNames.AdaBelief) with { Steps = 6, LogEvery = 2, CheckpointEvery = 3 };
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        using var trainer = new Trainer(model, new VpProcess(), options, timeProvider: time);
        var reports = new List<TrainingProgress>();
        var checkpoints = new List<long>();
        trainer.Progress = new SynchronousProgress<TrainingProgress>(reports.Add);
        trainer.StepCompleted = (_, _) => time.Advance(TimeSpan.FromSeconds(0.5)); // each step "takes" 0.5 s
        trainer.CheckpointDue = (t, _) =>
        {
            checkpoints.Add(t.Step);
            return Task.CompletedTask;
        };
        await trainer.RunAsync(data, CancellationToken.None);
        Assert.Equal(new long[] { 2, 4, 6 }, reports.Select(r => r.Step));
        Assert.Equal(new long[] { 3, 6 }, checkpoints);
        // 2 steps of 12 images per 1 s window = 24 img/s; after step 2, 4 steps left at 2 steps/s = 2 s.
        Assert.Equal(24, reports[0].ImagesPerSecond, 9);
        Assert.Equal(TimeSpan.FromSeconds(2), reports[0].Eta);
    }
}

/// <summary>IProgress that reports on the caller's thread (Progress&lt;T&gt; would post to the thread pool).</summary>
internal sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
