using ScoreBatch.Reliability.Tests.Support;
using ScoreBatch.Storage.Artifacts;
using ScoreBatch.Storage.Status;
using ScoreBatch.Tests.Shared;

namespace ScoreBatch.Reliability.Tests;

/// <summary>
/// Every hostile file of <see cref="HostileFormatCorpus"/> next to good jobs, through the real executor and score
/// handler: the bad job is poisoned on its first delivery naming the file, the worker neither crashes nor stops,
/// and the good jobs before and after it succeed. A file from another writer with a usable image beside empty and
/// zero-width HDUs is scored, not refused.
/// </summary>
public sealed class HostileFormatTests(ITestOutputHelper output)
{
    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["ScoreBatch:Limits:MaxDecompressedBytesPerFile"] = HostileFormatCorpus.DecompressedLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    [Theory]
    [MemberData(nameof(HostileFormatCorpus.Names), MemberType = typeof(HostileFormatCorpus))]
    public async Task HostileFile_BetweenGoodJobs_PoisonedNamingTheFileAndGoodJobsSucceed(string name)
    {
        var c = HostileFormatCorpus.Cases[name];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var ct = timeout.Token;
        await using var w = new InProcessWorker(Settings);
        await w.SeedGoodAsync(ct);
        await c.Seed!(w.Store, ct);
        await w.Queue.SendAsync(InProcessWorker.GoodScoreJob("before"), ct);
        await w.Queue.SendAsync(c.Body, ct);
        await w.Queue.SendAsync(InProcessWorker.GoodScoreJob("after"), ct);

        Assert.Equal(3, await w.DrainAsync(ct));

        var poisoned = Assert.Single(await w.PoisonedAsync(ct));
        output.WriteLine($"{name}: field '{poisoned.Field}', reason: {poisoned.Reason}");
        Assert.Equal((c.Field, 1), (poisoned.Field, poisoned.Attempts));
        Assert.Contains(c.Fragment, poisoned.Reason, StringComparison.Ordinal);
        var status = await w.Status.GetAsync(HostileInputCorpus.BadOutput, ct);
        Assert.Equal((JobState.Failed, c.Field), (status!.State, status.ErrorField));
        Assert.False(await ManifestWriter.ExistsAsync(w.Store, HostileInputCorpus.BadOutput, ct));
        foreach (var good in new[] { "before", "after" })
            Assert.Equal(JobState.Succeeded, (await w.Status.GetAsync($"{InProcessWorker.Outputs}/{good}", ct))!.State);
    }

    [Fact]
    public async Task FitsWithEmptyPrimaryZeroWidthHduAndSci_Scored()
    {
        // Before: refused as "cutouts differ in size"; the zero-width HDU holds no pixels and is skipped like NAXIS = 0.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var ct = timeout.Token;
        await using var w = new InProcessWorker(Settings);
        await w.Store.WriteAsync(InProcessWorker.ModelPath, BinaryData.FromBytes(TinyPrior.Checkpoint()), overwrite: true, ct);
        var zero = HostileFiles.ImageCards(false, -32, 0, 8);
        zero.Add(HostileFiles.Card("EXTNAME", "ZERO"));
        var sci = HostileFiles.ImageCards(false, -32, TinyPrior.Size, TinyPrior.Size);
        sci.Add(HostileFiles.Card("EXTNAME", "SCI"));
        byte[] file = [.. HostileFiles.Header(HostileFiles.ImageCards(true, 8)), .. HostileFiles.Header(zero), .. HostileFiles.Header(sci),
            .. HostileFiles.Padded(HostileFiles.Float32(TinyPrior.Size * TinyPrior.Size, 0.5f))];
        await w.Store.WriteAsync($"{HostileInputCorpus.BadInputs}/mixed.fits", BinaryData.FromBytes(file), overwrite: true, ct);
        await w.Queue.SendAsync(InProcessWorker.GoodScoreJob("mixed").Replace($"{InProcessWorker.Inputs}/good", HostileInputCorpus.BadInputs, StringComparison.Ordinal), ct);

        Assert.Equal(1, await w.DrainAsync(ct));

        Assert.Empty(await w.PoisonedAsync(ct));
        Assert.Equal(JobState.Succeeded, (await w.Status.GetAsync($"{InProcessWorker.Outputs}/mixed", ct))!.State);
        var summary = (await w.Store.ReadAsync($"{InProcessWorker.Outputs}/mixed/summary.csv", ct)).ToString();
        Assert.Contains("mixed.fits[SCI]", summary, StringComparison.Ordinal);
    }

    [Fact]
    public void LimitsValidator_DecompressedBytesOutOfRange_FailsNamingTheSetting()
    {
        var result = new ScoreBatch.Worker.Hosting.JobLimitsValidator().Validate(null, new ScoreBatch.Worker.Hosting.JobLimits { MaxDecompressedBytesPerFile = 0 });
        Assert.Equal($"ScoreBatch:Limits:MaxDecompressedBytesPerFile must be between 1 and {Array.MaxLength} (one in-memory array), got 0", Assert.Single(result.Failures!));
    }

    [Fact]
    public void JobLimits_ToArrayLimits_CarriesSideCountAndDecompressedBytes()
    {
        var limits = new ScoreBatch.Worker.Hosting.JobLimits { MaxCutoutSize = 48, MaxCutoutsPerJob = 7, MaxDecompressedBytesPerFile = 1000 }.ToArrayLimits();
        Assert.Equal((48, 7L, 1000L), (limits.MaxCutoutSide, limits.MaxCutouts, limits.MaxDecompressedBytes));
    }
}
