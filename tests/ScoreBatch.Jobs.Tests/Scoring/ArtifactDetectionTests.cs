using System.Diagnostics;
using ScoreBatch.Jobs.Diffusion;
using ScoreBatch.Jobs.Model;
using ScoreBatch.Jobs.Scoring;
using ScoreBatch.Jobs.Synthetic;
using ScoreBatch.Jobs.Training;
using ScoreBatch.Jobs.Transforms;
using ScoreBatch.Storage.Formats;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Tests.Scoring;

/// <summary>
/// The key science check (SCIENCE.md 8, "Artifacts"): a mixer prior trained briefly on the CPU on synthetic
/// galaxies gives a larger mean |score| to a galaxy with an injected ring or companion than to the same galaxy
/// without it, on held-out pairs. In its own class so CI can filter it (FullyQualifiedName~ArtifactDetection).
///
/// Why these settings: with the released recipe (T = 10, uniform t, weight s²) the temperatures used for scoring
/// (t ≤ 0.1) are 1 % of the training times, and a few minutes of CPU training leave them unlearnt. Measured here,
/// a 32² mixer after 300 steps at T = 10 ranked ring twins higher in 87 % of pairs but companions in 1 %: its raw
/// output never reached the 1/s² magnitudes of small t, and a bright companion lowered the output everywhere
/// else through the mixer's whole-image LayerNorm. Training on [0, 1] (T = 1) puts 10 % of the steps at t ≤ 0.1;
/// at 16², 600 steps then gave 100 % of ring and 100 % of companion pairs at t = 0.1 (and 100 % / 42 % at
/// t = 0.05: smaller temperatures are learnt later; after 300 steps it was 100 % and 80 % at t = 0.1, so 600
/// steps leave a margin over the 90 % bar). 16² keeps a step ~4x cheaper than 32²; the 38,400 training images
/// take about a minute at 600 img/s, but several minutes on a machine shared with other builds.
/// </summary>
public class ArtifactDetectionTests(ITestOutputHelper output)
{
    private const int Size = 16, TrainCount = 2048, Pairs = 200, Steps = 600, Batch = 64;
    private const double HorizonT = 1.0, ScoreT = 0.1;

    [Fact]
    public async Task TrainedMixer_RingOrCompanionTwin_LargerMeanAbsScoreInAtLeast90PercentOfPairs()
    {
        var clock = Stopwatch.StartNew();
        var builder = new SyntheticDatasetBuilder(SersicGalaxyOptions.ForSize(Size));
        var train = builder.Build(TrainCount, seed: 1);
        var (clean, twins) = builder.BuildPairs(Pairs, seed: 2, [ArtifactKind.Ring, ArtifactKind.Companion]); // held out: another seed

        manual_seed(7);
        var network = ScoreNetFactory.Create(new ScoreNetOptions
        {
            ImageSize = Size, Width = 64, TokenMlpWidth = 256, ChannelMlpWidth = 256, Blocks = 2,
        });
        var transform = new Log1pTransform();
        using (var scope = NewDisposeScope())
        {
            using var data = new InMemoryTrainingData(transform.Forward(tensor(train.Pixels, [TrainCount, 1, Size, Size])));
            using var trainer = new Trainer(network, new VpProcess(beta: 1.0, t: HorizonT), new TrainerOptions
            {
                Steps = Steps, BatchSize = Batch, LearningRate = 1e-3, Seed = 3, CheckpointEvery = 0, LogEvery = 200,
            });
            trainer.Progress = new Progress<TrainingProgress>(p => output.WriteLine(p.ToString()));
            var result = await trainer.RunAsync(data, CancellationToken.None);
            Assert.Equal(Steps, result.Step);
            output.WriteLine($"trained {result.Step} steps in {clock.Elapsed.TotalSeconds:F0} s, last loss {result.LastLoss:F4}");
        }

        using var prior = ScoringModel.FromNetwork(network, transform, process: new VpProcess(beta: 1.0, t: HorizonT));
        var scorer = prior.CreateScorer(new ScoringOptions { T = ScoreT });
        var cleanScores = scorer.Score(Cutouts(clean, "clean"), "clean");
        var twinScores = scorer.Score(Cutouts(twins, "twin"), "twin");
        var meanWins = new Dictionary<ArtifactKind, int> { [ArtifactKind.Ring] = 0, [ArtifactKind.Companion] = 0 };
        int maxWins = 0;
        for (int i = 0; i < Pairs; i++)
        {
            if (twinScores[i].Summary.MeanAbsScore > cleanScores[i].Summary.MeanAbsScore) meanWins[twins.Entries[i].Artifact]++;
            if (twinScores[i].Summary.MaxAbsScore > cleanScores[i].Summary.MaxAbsScore) maxWins++;
        }
        int wins = meanWins.Values.Sum();
        output.WriteLine($"twin has the larger mean |g| in {wins}/{Pairs} pairs (ring {meanWins[ArtifactKind.Ring]}/{Pairs / 2}, companion {meanWins[ArtifactKind.Companion]}/{Pairs / 2}); larger max |g| in {maxWins}/{Pairs}");
        output.WriteLine($"median mean |g|: clean {Median(cleanScores)}, twin {Median(twinScores)}; total {clock.Elapsed.TotalSeconds:F0} s");
        // SCIENCE.md 8 asks for "the large majority"; the bar here is 90 % of 200 held-out pairs, for each kind too.
        Assert.True(wins >= 0.9 * Pairs, $"only {wins} of {Pairs} artifact twins scored higher");
        Assert.All(meanWins, k => Assert.True(k.Value >= 0.8 * Pairs / 2, $"{k.Key}: only {k.Value} of {Pairs / 2} twins scored higher"));
    }

    private static Cutout[] Cutouts(SyntheticDataset set, string name) =>
        Enumerable.Range(0, set.Count).Select(i => new Cutout($"{name}#{i}", set.Size, set.Size, set.Image(i).ToArray())).ToArray();

    private static double Median(IReadOnlyList<CutoutScore> scores) =>
        scores.Select(s => s.Summary.MeanAbsScore).Order().ElementAt(scores.Count / 2);
}
