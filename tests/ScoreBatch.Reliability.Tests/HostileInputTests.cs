using ScoreBatch.Reliability.Tests.Support;
using ScoreBatch.Storage.Artifacts;
using ScoreBatch.Storage.Status;

namespace ScoreBatch.Reliability.Tests;

/// <summary>
/// Every hostile message next to good jobs, through the real executor and score handler: the bad one is poisoned
/// on its first delivery with an error naming the field or file (in the poison envelope and in status.json), and
/// the good jobs before and after it succeed, so the worker neither crashes nor stops serving.
/// </summary>
public sealed class HostileInputTests(ITestOutputHelper output)
{
    [Theory]
    [MemberData(nameof(HostileInputCorpus.Names), MemberType = typeof(HostileInputCorpus))]
    public async Task HostileMessage_BetweenGoodJobs_PoisonedNamingTheFieldAndGoodJobsSucceed(string name)
    {
        var c = HostileInputCorpus.Cases[name];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var ct = timeout.Token;
        await using var w = new InProcessWorker();
        await w.SeedGoodAsync(ct);
        if (c.Seed is not null) await c.Seed(w.Store, ct);
        await w.Queue.SendAsync(InProcessWorker.GoodScoreJob("before"), ct);
        await w.Queue.SendAsync(c.Body, ct);
        await w.Queue.SendAsync(InProcessWorker.GoodScoreJob("after"), ct);

        Assert.Equal(3, await w.DrainAsync(ct));

        var poisoned = Assert.Single(await w.PoisonedAsync(ct));
        output.WriteLine($"{name}: field '{poisoned.Field}', reason: {poisoned.Reason}");
        Assert.Equal(c.Field, poisoned.Field);
        Assert.Contains(c.Fragment, poisoned.Reason, StringComparison.Ordinal);
        Assert.Equal(1, poisoned.Attempts); // never retried: bad input stays bad
        Assert.Equal(c.Body, poisoned.Body);
        var status = await w.Status.GetAsync(HostileInputCorpus.BadOutput, ct);
        if (c.HasStatus)
        {
            Assert.NotNull(status);
            Assert.Equal((JobState.Failed, c.Field), (status.State, status.ErrorField));
            Assert.Contains(c.Fragment, status.LastError, StringComparison.Ordinal);
        }
        else
        {
            Assert.Null(status);
        }
        Assert.False(await ManifestWriter.ExistsAsync(w.Store, HostileInputCorpus.BadOutput, ct));
        foreach (var good in new[] { "before", "after" })
        {
            Assert.Equal(JobState.Succeeded, (await w.Status.GetAsync($"{InProcessWorker.Outputs}/{good}", ct))!.State);
            var manifest = await ManifestWriter.ReadAsync(w.Store, $"{InProcessWorker.Outputs}/{good}", ct);
            Assert.Equal(["scores/part-0.npy", "scores/part-1.npy", "summary.csv"], manifest!.Files.Select(f => f.Path).Order(StringComparer.Ordinal));
        }
        Assert.Equal(0, w.Queue.VisibleCount());
    }

    [Fact]
    public void Corpus_Size_AtLeastTwentyFiveCases()
        => Assert.True(HostileInputCorpus.Cases.Count >= 25, $"the corpus holds {HostileInputCorpus.Cases.Count} cases");

    [Fact]
    public async Task ByteOrderMarkBeforeTheJson_AsEditorsSaveJobFiles_RunsLikeTheSameMessageWithout()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var ct = timeout.Token;
        await using var w = new InProcessWorker();
        await w.SeedGoodAsync(ct);
        await w.Queue.SendAsync("\uFEFF" + InProcessWorker.GoodScoreJob("bom"), ct);

        Assert.Equal(1, await w.DrainAsync(ct));

        Assert.Empty(await w.PoisonedAsync(ct));
        Assert.Equal(JobState.Succeeded, (await w.Status.GetAsync($"{InProcessWorker.Outputs}/bom", ct))!.State);
    }

    [Fact]
    public async Task TwoScoreJobsOnOneOutputPrefix_SecondPoisonedNamingTheFirst_OutputsNeverMixed()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var ct = timeout.Token;
        await using var w = new InProcessWorker();
        await w.SeedGoodAsync(ct, files: 3);
        await w.Store.WriteAsync($"{InProcessWorker.Inputs}/other/one.npy", BinaryData.FromBytes(TinyPrior.Cutouts(2, seed: 9)), overwrite: true, ct);
        var shared = $"{InProcessWorker.Outputs}/shared";
        await w.Queue.SendAsync(InProcessWorker.GoodScoreJob("job-a").Replace($"{InProcessWorker.Outputs}/job-a", shared, StringComparison.Ordinal), ct);
        await w.Queue.SendAsync(InProcessWorker.GoodScoreJob("job-b").Replace($"{InProcessWorker.Outputs}/job-b", shared, StringComparison.Ordinal)
            .Replace($"{InProcessWorker.Inputs}/good", $"{InProcessWorker.Inputs}/other", StringComparison.Ordinal), ct);

        Assert.Equal(2, await w.DrainAsync(ct));

        var poisoned = Assert.Single(await w.PoisonedAsync(ct));
        Assert.Equal(("output", "job-b"), (poisoned.Field, poisoned.JobId));
        Assert.Contains($"'{shared}' belongs to job 'job-a' (score)", poisoned.Reason, StringComparison.Ordinal);
        var status = (await w.Status.GetAsync(shared, ct))!;
        Assert.Equal(("job-a", JobState.Succeeded), (status.JobId, status.State));
        var manifest = (await ManifestWriter.ReadAsync(w.Store, shared, ct))!;
        Assert.Equal("job-a", manifest.JobId);
        Assert.Equal(["scores/part-0.npy", "scores/part-1.npy", "scores/part-2.npy", "summary.csv"], manifest.Files.Select(f => f.Path));
        var rows = (await w.Store.ReadAsync($"{shared}/summary.csv", ct)).ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(1 + 9, rows.Length); // job A's nine cutouts only
    }
}
