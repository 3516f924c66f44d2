using ScoreBatch.Jobs.Model;
using ScoreBatch.Jobs.Scoring;
using ScoreBatch.Jobs.Transforms;
using ScoreBatch.Storage.Formats;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Tests.Scoring;

[Collection(Runtime.TorchThreadCountCollection.Name)]
public class ScoringLanesTests
{
    [Fact]
    public void Run_EveryIndexOnce_OnLaneThreadsWithTheirThreadCount()
    {
        var lanes = ScoringLanes.Shared;
        var seen = new int[50];
        var threads = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        lanes.Run(seen.Length, i =>
        {
            Interlocked.Increment(ref seen[i]);
            threads[Thread.CurrentThread.Name ?? "?"] = get_num_threads();
        });
        Assert.All(seen, n => Assert.Equal(1, n));
        Assert.All(threads.Keys, name => Assert.StartsWith("scoring-lane-", name, StringComparison.Ordinal));
        Assert.All(threads.Values, n => Assert.Equal(lanes.ThreadsPerLane, n));
        Assert.InRange(lanes.Count, 1, ScoringLanes.MaxLanes);
    }

    [Fact]
    public void Lanes_LeaveTorchsDefaultThreadCountForOtherThreads()
    {
        // A training job that starts on a fresh thread after scoring must still get every intra-op thread.
        int here = get_num_threads();
        _ = ScoringLanes.Shared;
        int fresh = 0;
        var t = new Thread(() => fresh = get_num_threads());
        t.Start();
        t.Join();
        Assert.Equal(here, fresh);
    }

    [Fact]
    public void Run_Failures_RethrowsTheLowestFailingIndex()
    {
        // Indices are taken in order and no new one starts after a failure, so every index below the first failure
        // ran: the error reported is the one a sequential loop would have met.
        var e = Assert.Throws<InvalidOperationException>(() => ScoringLanes.Shared.Run(40, i =>
        {
            if (i is 7 or 8 or 30) throw new InvalidOperationException($"index {i}");
            Thread.Sleep(1);
        }));
        Assert.Equal("index 7", e.Message);
    }

    [Fact]
    public void Run_Cancelled_StopsAndThrowsOperationCanceled()
    {
        using var cts = new CancellationTokenSource();
        int ran = 0;
        Assert.ThrowsAny<OperationCanceledException>(() => ScoringLanes.Shared.Run(1000, i =>
        {
            if (Interlocked.Increment(ref ran) == 5) cts.Cancel();
            Thread.Sleep(1);
        }, cts.Token));
        Assert.InRange(ran, 5, 5 + ScoringLanes.MaxLanes);
    }

    [Fact]
    public void Scorer_OnLanes_ScoresDoNotDependOnTheBatchingAndMatchOneBatch()
    {
        // The same cutouts scored in many small batches (spread over the lanes, equal sizes) and in other batchings
        // agree bit for bit, whichever lane took which batch: a cutout's score does not depend on the cutouts it
        // shares a batch with. One batch on the calling thread (all intra-op threads) agrees to float round-off.
        using var g = new TorchSharp.torch.Generator(3);
        using var net = ScoreNetFactory.Create(new ScoreNetOptions { ImageSize = 16, Width = 16, Blocks = 1, TokenMlpWidth = 32, ChannelMlpWidth = 32 }, g);
        net.eval();
        var rng = new Random(5);
        var cutouts = Enumerable.Range(0, 37)
            .Select(i => new Cutout($"c#{i}", 16, 16, Enumerable.Range(0, 256).Select(_ => (float)rng.NextDouble()).ToArray()))
            .ToArray();
        Tensor Score(Tensor y, Tensor t) => net.forward(y, t);
        IReadOnlyList<CutoutScore> Run(int batch) =>
            new Scorer(Score, new Log1pTransform(), 16, 16, new ScoringOptions { BatchSize = batch }).Score(cutouts, "c.npy");
        var by4 = Run(4);
        var by4Again = Run(4);
        var by7 = Run(7);
        var single = Run(64);
        for (int c = 0; c < cutouts.Length; c++)
        {
            Assert.Equal($"c#{c}", by4[c].Summary.Id);
            Assert.Equal(by4[c].Score, by4Again[c].Score);
            Assert.Equal(by4[c].Score, by7[c].Score);
            for (int k = 0; k < 256; k++)
                Assert.Equal(single[c].Score[k], by4[c].Score[k], Math.Max(1e-4, Math.Abs(single[c].Score[k]) * 1e-4));
        }
    }

    [Fact]
    public void Scorer_OnLanes_BatchesAreEqualAndNeverAboveTheBatchSize()
    {
        // 37 cutouts at batch 8: ceil(37/8) = 5 batches, rounded up to a multiple of the lanes, sizes differing by one.
        var sizes = new System.Collections.Concurrent.ConcurrentBag<long>();
        Tensor Record(Tensor y, Tensor t)
        {
            sizes.Add(y.shape[0]);
            return y.neg();
        }
        var cutouts = Enumerable.Range(0, 37).Select(i => new Cutout($"c#{i}", 4, 4, new float[16])).ToArray();
        var scores = new Scorer(Record, new IdentityTransform(), 4, 4, new ScoringOptions { BatchSize = 8 }).Score(cutouts, "c.npy");

        int lanes = ScoringLanes.Shared.Count, batches = (5 + lanes - 1) / lanes * lanes;
        Assert.Equal(37, scores.Count);
        Assert.Equal(batches, sizes.Count);
        Assert.Equal(37, sizes.Sum());
        Assert.InRange(sizes.Max() - sizes.Min(), 0, 1);
        Assert.True(sizes.Max() <= 8);
    }
}
