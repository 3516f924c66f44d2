using System.Diagnostics;
using ScoreBatch.Jobs.Diffusion;
using ScoreBatch.Jobs.Likelihood;
using ScoreBatch.Jobs.Model;
using ScoreBatch.Jobs.Sampling;
using ScoreBatch.Jobs.Scoring;
using ScoreBatch.Jobs.Synthetic;
using ScoreBatch.Jobs.Training;
using ScoreBatch.Jobs.Transforms;
using ScoreBatch.Storage.Formats;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Tests.Scoring;

/// <summary>
/// The key science check (SCIENCE.md 8, "Artifacts"), with the product's recipe on noisy inputs (docs/anomaly.md):
/// a mixer prior trained on noise-free synthetic galaxies (VP beta 1, T 10, log-uniform time sampling, as train
/// jobs do by default), calibrated on clean galaxies observed with Gaussian noise at S/N 10 to 1000 (their 8
/// orientations), then scored with the default noise estimate and features on held-out noisy galaxies with and
/// without an injected ring or companion. In its own class so CI can filter it (FullyQualifiedName~ArtifactDetection).
///
/// Only the network is smaller than the released one (32², width 32, MLP 128, 2 blocks, 72k parameters) and the
/// training shorter (1,000 steps), to fit a CI minute; the research prototype of this recipe reached AUC 0.998 for
/// both kinds with the same size after 1,036 steps, and 0.95 / 0.75 (rings / companions) for the flux-outside
/// baseline. The bars here (0.95 per kind, above the baseline, at most 5 % of clean cutouts flagged at a 1 %
/// false-positive setting) leave room for the shorter run and another seed.
/// </summary>
public class ArtifactDetectionTests(ITestOutputHelper output)
{
    private const int Size = 32, TrainCount = 2000, References = 150, Pairs = 200, Steps = 1000, Batch = 64, LikelihoodPairs = 80;

    [Fact]
    public async Task Recipe_NoisyRingsAndCompanions_AucAbove95PerKindAndAboveTheBaseline()
    {
        var clock = Stopwatch.StartNew();
        var builder = new SyntheticDatasetBuilder(SersicGalaxyOptions.ForSize(Size));
        var train = builder.Build(TrainCount, seed: 1);
        var references = builder.Build(References, seed: 2);
        var (clean, twins) = builder.BuildPairs(Pairs, seed: 3, [ArtifactKind.Ring, ArtifactKind.Companion]);

        manual_seed(7);
        var network = ScoreNetFactory.Create(new ScoreNetOptions { ImageSize = Size, Width = 32, TokenMlpWidth = 128, ChannelMlpWidth = 128, Blocks = 2 });
        var transform = new Log1pTransform();
        var process = NoiseProcesses.Create(NoiseProcesses.Default);
        using (var scope = NewDisposeScope())
        {
            using var data = new InMemoryTrainingData(transform.Forward(tensor(train.Pixels, [TrainCount, 1, Size, Size])));
            using var trainer = new Trainer(network, process, new TrainerOptions
            {
                Steps = Steps, BatchSize = Batch, LearningRate = 1e-3, Seed = 3, CheckpointEvery = 0, LogEvery = 250,
                TimeSampling = TimeSampling.LogUniform,
            });
            trainer.Progress = new Progress<TrainingProgress>(p => output.WriteLine(p.ToString()));
            var result = await trainer.RunAsync(data, CancellationToken.None);
            Assert.Equal(Steps, result.Step);
            output.WriteLine($"trained {result.Step} steps in {clock.Elapsed.TotalSeconds:F0} s, last loss {result.LastLoss:F4}");
        }

        using var prior = ScoringModel.FromNetwork(network, transform, process: process);
        var noise = new Random(4);
        var calibration = ReferenceCalibration.Run(prior, Noisy(references, "ref", noise), new CalibrationSettings(), "ci-prior");
        var scorer = prior.CreateScorer(new ScoringOptions { Calibration = calibration });
        var cleanCutouts = Noisy(clean, "clean", noise);
        var twinCutouts = Noisy(twins, "twin", noise);
        var cleanScores = scorer.Score(cleanCutouts, "clean");
        var twinScores = scorer.Score(twinCutouts, "twin");

        var negatives = cleanScores.Select(s => s.Summary.Anomaly!.Value).ToArray();
        var baselineNegatives = cleanCutouts.Select(FluxOutside).ToArray();
        foreach (var kind in new[] { ArtifactKind.Ring, ArtifactKind.Companion })
        {
            var mine = Enumerable.Range(0, Pairs).Where(i => twins.Entries[i].Artifact == kind).ToArray();
            double auc = Auc(negatives, mine.Select(i => twinScores[i].Summary.Anomaly!.Value).ToArray());
            double baseline = Auc(baselineNegatives, mine.Select(i => FluxOutside(twinCutouts[i])).ToArray());
            double oldMax = Auc(cleanScores.Select(s => s.Summary.MaxAbsScore).ToArray(), mine.Select(i => twinScores[i].Summary.MaxAbsScore).ToArray());
            output.WriteLine($"{kind}: anomaly AUC {auc:F3}, flux outside r > S/5 {baseline:F3}, max |score| {oldMax:F3}");
            Assert.True(auc >= 0.95, $"{kind}: anomaly AUC {auc:F3} < 0.95");
            Assert.True(auc > baseline, $"{kind}: anomaly AUC {auc:F3} is not above the flux-outside baseline {baseline:F3}");
        }
        double flagged = cleanScores.Count(s => s.Summary.Anomalous == true) / (double)Pairs;
        output.WriteLine($"clean held-out cutouts flagged at the 1 % setting: {flagged:P1}; total {clock.Elapsed.TotalSeconds:F0} s");
        Assert.True(flagged <= 0.05, $"{flagged:P1} of clean cutouts flagged at a 1 % false-positive setting");

        LikelihoodSeparatesPairs(prior, clean, twins, new Random(5));
        output.WriteLine($"total with likelihood {clock.Elapsed.TotalSeconds:F0} s");
    }

    /// <summary>
    /// The same prior's exact likelihood (PF-ODE, one probe, RK45 at 1e-4): each of the first <see cref="LikelihoodPairs"/>
    /// galaxies with one noise realisation, alone and with its artifact, must cost fewer bits/dim alone in the large
    /// majority of pairs (at least 90 % per kind; measured 100 % of 100 pairs, `scorebatch likelihood`, 1 Dec 2026).
    /// </summary>
    private void LikelihoodSeparatesPairs(ScoringModel prior, SyntheticDataset clean, SyntheticDataset twins, Random rng)
    {
        var options = new LikelihoodOptions { Probes = 1, Adaptive = new AdaptiveOptions { RelativeTolerance = 1e-4, AbsoluteTolerance = 1e-4 } };
        var alone = new float[LikelihoodPairs * Size * Size];
        var with = new float[alone.Length];
        for (int i = 0; i < LikelihoodPairs; i++)
        {
            double sigma = 1 / Math.Pow(10, 1 + (2 * rng.NextDouble()));
            ReadOnlySpan<float> a = clean.Image(i), b = twins.Image(i);
            for (int k = 0; k < Size * Size; k++)
            {
                var n = (float)(sigma * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
                alone[(i * Size * Size) + k] = a[k] + n;
                with[(i * Size * Size) + k] = b[k] + n;
            }
        }
        double[] BitsPerDim(float[] pixels, string name)
        {
            using var scope = NewDisposeScope();
            var ids = Enumerable.Range(0, LikelihoodPairs).Select(i => $"{name}#{i}").ToArray();
            return [.. LikelihoodEstimator.Estimate(prior.Process, prior.Score, prior.Transform, tensor(pixels, [LikelihoodPairs, 1, Size, Size]), ids, options)
                .Select(r => r.BitsPerDim)];
        }
        var (bitsAlone, bitsWith) = (BitsPerDim(alone, "clean"), BitsPerDim(with, "twin"));
        foreach (var kind in new[] { ArtifactKind.Ring, ArtifactKind.Companion })
        {
            var mine = Enumerable.Range(0, LikelihoodPairs).Where(i => twins.Entries[i].Artifact == kind).ToArray();
            double separated = mine.Count(i => bitsWith[i] > bitsAlone[i]) / (double)mine.Length;
            double auc = Auc(bitsAlone, [.. mine.Select(i => bitsWith[i])]);
            output.WriteLine($"{kind}: bits/dim higher with the artifact in {separated:P0} of {mine.Length} pairs; unpaired AUC {auc:F3}");
            Assert.True(separated >= 0.9, $"{kind}: bits/dim higher with the artifact in only {separated:P0} of {mine.Length} pairs");
        }
    }

    /// <summary>Each galaxy (peak 1) plus white Gaussian noise of std 1/SNR, SNR log-uniform in [10, 1000].</summary>
    private static Cutout[] Noisy(SyntheticDataset set, string name, Random rng) => Enumerable.Range(0, set.Count).Select(i =>
    {
        double sigma = 1 / Math.Pow(10, 1 + (2 * rng.NextDouble()));
        var pixels = set.Image(i).ToArray();
        for (int k = 0; k < pixels.Length; k++)
            pixels[k] += (float)(sigma * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
        return new Cutout($"{name}#{i}", set.Size, set.Size, pixels);
    }).ToArray();

    /// <summary>The no-model baseline: fraction of the positive flux beyond r = S/5 from the centre pixel.</summary>
    private static double FluxOutside(Cutout c)
    {
        int centre = (c.Height - 1) / 2;
        double outside = 0, total = 0;
        for (int k = 0; k < c.Pixels.Length; k++)
        {
            double v = Math.Max(0, c.Pixels[k]), r = Math.Sqrt(Math.Pow((k / c.Width) - centre, 2) + Math.Pow((k % c.Width) - centre, 2));
            total += v;
            if (r > c.Height / 5.0) outside += v;
        }
        return outside / Math.Max(total, 1e-12);
    }

    /// <summary>ROC AUC: P(positive > negative) + P(tie)/2 over all pairs.</summary>
    private static double Auc(double[] negatives, double[] positives)
    {
        double wins = 0;
        foreach (var p in positives)
            foreach (var n in negatives) wins += p > n ? 1 : p == n ? 0.5 : 0;
        return wins / (positives.Length * (double)negatives.Length);
    }
}
