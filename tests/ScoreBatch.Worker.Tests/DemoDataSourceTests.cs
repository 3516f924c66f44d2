using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Jobs.Evaluation;
using ScoreBatch.Jobs.Kinds.Score;
using ScoreBatch.Jobs.Kinds.Train;
using ScoreBatch.Storage.Formats;
using ScoreBatch.Storage.InMemory;
using ScoreBatch.Worker.Demo;

namespace ScoreBatch.Worker.Tests;

public sealed class DemoDataSourceTests
{
    [Fact]
    public async Task Prepare_InMemoryStore_UploadsShardsScoringSetTruthAndAPlanTheRealHandlersAccept()
    {
        var store = new InMemoryArtifactStore();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        var plan = await new SyntheticDemoDataSource().PrepareAsync(store, "demo-input/run1/", timeout.Token);

        var shards = new List<string>();
        await foreach (var f in store.ListAsync(plan.TrainInput + "/", timeout.Token)) shards.Add(f.Path);
        Assert.Equal(8, shards.Count);
        var cutouts = CutoutReader.Read(shards[0], (await store.ReadAsync(shards[0], timeout.Token)).ToMemory().Span);
        Assert.Equal(SyntheticDemoDataSource.TrainShard, cutouts.Count);
        var scoring = CutoutReader.Read("galaxies.npy", (await store.ReadAsync(plan.ScoreInput + "/galaxies.npy", timeout.Token)).ToMemory().Span);
        Assert.Equal(SyntheticDemoDataSource.ScoreCount, scoring.Count);
        var truth = LabelsCsv.Parse((await store.ReadAsync(plan.TruthFile!, timeout.Token)).ToString(), "labels.csv");
        // One label per scoring cutout, under the id the score job gives it (so the demo can evaluate the ranking).
        Assert.Equal(scoring.Select(c => c.Id), truth.Select(l => l.Id));
        // A quarter (16 +- sampling) of the scoring cutouts carry the companion the prior should flag.
        Assert.InRange(truth.Count(l => l.Positive && l.Kind == "companion"), 8, 24);

        var train = TrainJobArgs.From(new JobRequest { Id = "t", Kind = "train", Input = plan.TrainInput, Output = "demo-output/run1/train", Params = new JobParams(plan.TrainParams) });
        Assert.Equal((32, 400L), (train.Model.ImageSize, train.Trainer.Steps));
        var score = ScoreJobArgs.From(new JobRequest
        {
            Id = "s", Kind = "score", Input = plan.ScoreInput, Output = "demo-output/run1/score", Model = "demo-output/run1/train/" + plan.ModelFile,
            Params = new JobParams(plan.ScoreParams),
        });
        Assert.Equal(8, score.Previews);
        // The model the score job names is the one the train handler writes.
        Assert.Equal(new TrainingRunPaths("demo-output/run1/train").Model, "demo-output/run1/train/" + plan.ModelFile);
    }
}
