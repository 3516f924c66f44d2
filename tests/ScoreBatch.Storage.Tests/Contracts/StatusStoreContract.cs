using ScoreBatch.Storage.Abstractions;
using ScoreBatch.Storage.Status;

namespace ScoreBatch.Storage.Tests.Contracts;

/// <summary>The behaviour of <see cref="BlobStatusStore"/> over each artifact store adapter.</summary>
public abstract class StatusStoreContract
{
    protected abstract IArtifactStore Store { get; }

    protected string Output { get; } = $"s{Guid.NewGuid():N}"[..20] + "/jobs/j1";

    private CancellationToken Ct { get; } = new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    private IStatusStore Status => new BlobStatusStore(Store, Polly.ResiliencePipeline.Empty);

    private static JobStatus Queued(string id) => new() { JobId = id, Kind = "train", State = JobState.Queued, CreatedAt = DateTimeOffset.UnixEpoch };

    [Fact]
    public async Task GetAsync_NoStatus_ReturnsNull() => Assert.Null(await Status.GetAsync(Output, Ct));

    [Fact]
    public async Task UpdateAsync_New_WritesStatusJsonReadableBack()
    {
        await Status.UpdateAsync(Output, s => s ?? Queued("j1"), Ct);
        var read = await Status.GetAsync(Output, Ct);
        Assert.Equal("j1", read!.JobId);
        Assert.Equal(JobState.Queued, read.State);
        Assert.Contains("\"state\": \"queued\"", (await Store.ReadAsync(Output + "/status.json", Ct)).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpdateAsync_ConcurrentIncrements_NoUpdateLost()
    {
        await Status.UpdateAsync(Output, _ => Queued("j1"), Ct);
        await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() =>
            Status.UpdateAsync(Output, s => s! with { Retries = s.Retries + 1 }, Ct))));
        Assert.Equal(6, (await Status.GetAsync(Output, Ct))!.Retries);
    }

    [Fact]
    public async Task UpdateAsync_WriterInBetween_ReappliesOnFreshState()
    {
        await Status.UpdateAsync(Output, _ => Queued("j1"), Ct);
        var calls = 0;
        await Status.UpdateAsync(Output, s =>
        {
            // First round: someone else moves the job to running before our conditional write lands.
            if (++calls == 1)
                Store.WriteAsync(Output + "/status.json", BinaryData.FromString((s! with { State = JobState.Running, Attempt = 7 }).ToJson()), true, Ct)
                    .GetAwaiter().GetResult();
            return s! with { Progress = new JobStatusProgress(5, 10, "steps") };
        }, Ct);
        var final = await Status.GetAsync(Output, Ct);
        Assert.Equal(2, calls);
        Assert.Equal(JobState.Running, final!.State);
        Assert.Equal(7, final.Attempt);
        Assert.Equal(5, final.Progress!.Done);
    }
}
