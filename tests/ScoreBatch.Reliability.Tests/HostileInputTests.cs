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
}
