using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Storage.Artifacts;
using ScoreBatch.Storage.Status;
using ScoreBatch.Worker.Runner;
using ScoreBatch.Worker.Submission;
using ScoreBatch.Worker.Tests.Fakes;

namespace ScoreBatch.Worker.Tests;

/// <summary>
/// One job per output prefix (issue 9, items 2 and 3): the first job to claim a prefix owns it; another job id
/// aimed there is poisoned with a reason naming the owner, and neither the owner's outputs nor its status.json
/// change; a redelivery of the owner runs as before.
/// </summary>
public sealed class OutputOwnershipTests : IAsyncLifetime
{
    private const string Shared = "out/shared";
    private readonly RunnerHarness _h = new(new() { ["ScoreBatch:MaxAttempts"] = "3" });

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private static async Task<JobOutcome> WriteResult(JobContext c, CancellationToken ct)
    {
        await c.Store.WriteAsync(c.Request.Output + $"/{c.Request.Id}.txt", BinaryData.FromString(c.Request.Id), overwrite: false, ct);
        return JobOutcome.Completed;
    }

    [Fact]
    public async Task RunOnce_SecondJobIdOnAPrefixAnotherJobIsRunning_PoisonedNamingOwnerAndOwnerUntouched()
    {
        // Job A is running on the prefix (concurrency 2); job B arrives for the same prefix meanwhile.
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _h.Script.Run = async (c, ct) =>
        {
            if (c.Request.Id == "job-a") await release.Task.WaitAsync(ct);
            return await WriteResult(c, ct);
        };
        await _h.JobQueue.SendAsync(RunnerHarness.Train("job-a", Shared).ToJson(), RunnerHarness.Timeout);
        var first = _h.Runner.RunOnceAsync(RunnerHarness.Timeout);
        await _h.Script.Started.Task.WaitAsync(RunnerHarness.Timeout);
        var runningStatus = (await _h.Store.ReadAsync(Shared + "/status.json", RunnerHarness.Timeout)).ToString();

        await _h.JobQueue.SendAsync(new JobRequest { Id = "job-b", Kind = "score", Output = Shared }.ToJson(), RunnerHarness.Timeout);
        Assert.True(await _h.Runner.RunOnceAsync(RunnerHarness.Timeout));

        var poisoned = PoisonEnvelope.FromJson(Assert.Single(_h.PoisonQueue.Snapshot()));
        Assert.Equal(("output", "job-b", 1L), (poisoned.Field, poisoned.JobId, poisoned.Attempts));
        Assert.Contains("'out/shared' belongs to job 'job-a' (train)", poisoned.Reason, StringComparison.Ordinal);
        Assert.Equal(runningStatus, (await _h.Store.ReadAsync(Shared + "/status.json", RunnerHarness.Timeout)).ToString());
        Assert.Equal(1, _h.Script.Calls); // B never ran

        release.SetResult();
        await first;
        var status = await _h.StatusOf(Shared);
        Assert.Equal(("job-a", JobState.Succeeded), (status.JobId, status.State));
        var manifest = await ManifestWriter.ReadAsync(_h.Store, Shared, RunnerHarness.Timeout);
        Assert.Equal("job-a", manifest!.JobId);
        Assert.Equal(["job-a.txt"], manifest.Files.Select(f => f.Path));
    }

    [Fact]
    public async Task RunOnce_OtherJobOnFinishedPrefix_PoisonedNamingOwnerNotDroppedSilently()
    {
        _h.Script.Run = WriteResult;
        await _h.JobQueue.SendAsync(RunnerHarness.Train("job-a", Shared).ToJson(), RunnerHarness.Timeout);
        Assert.True(await _h.Runner.RunOnceAsync(RunnerHarness.Timeout));
        var finished = (await _h.Store.ReadAsync(Shared + "/status.json", RunnerHarness.Timeout)).ToString();

        // Another kind, another id, same prefix.
        await _h.JobQueue.SendAsync(new JobRequest { Id = "job-b", Kind = "score", Output = Shared }.ToJson(), RunnerHarness.Timeout);
        Assert.True(await _h.Runner.RunOnceAsync(RunnerHarness.Timeout));

        var poisoned = PoisonEnvelope.FromJson(Assert.Single(_h.PoisonQueue.Snapshot()));
        Assert.Equal("output", poisoned.Field);
        Assert.Contains("belongs to job 'job-a' (train)", poisoned.Reason, StringComparison.Ordinal);
        Assert.Equal(finished, (await _h.Store.ReadAsync(Shared + "/status.json", RunnerHarness.Timeout)).ToString());
        Assert.Empty(_h.JobQueue.Snapshot());
    }

    [Fact]
    public async Task RunOnce_RedeliveryOfTheOwner_RunsAndSucceeds()
    {
        _h.Script.Run = (c, ct) => _h.Script.Calls == 1 ? throw new IOException("disk hiccup") : WriteResult(c, ct);
        await _h.SubmitAsync(RunnerHarness.Train("job-a", Shared));
        await _h.Runner.RunOnceAsync(RunnerHarness.Timeout);
        _h.Time.Advance(TimeSpan.FromSeconds(10));
        Assert.True(await _h.Runner.RunOnceAsync(RunnerHarness.Timeout));

        Assert.Equal(JobState.Succeeded, (await _h.StatusOf(Shared)).State);
        Assert.Equal(2, _h.Script.Calls);
        Assert.Empty(_h.PoisonQueue.Snapshot());
        var owner = await OutputOwnership.ReadAsync(_h.Store, Shared, RunnerHarness.Timeout);
        Assert.Equal(("job-a", "train", "submit"), (owner!.JobId, owner.Kind, owner.ClaimedBy));
    }

    [Fact]
    public async Task Submit_OtherJobOnFinishedPrefix_RefusedAndFinishedStatusNotClobbered()
    {
        _h.Script.Run = WriteResult;
        await _h.SubmitAsync(RunnerHarness.Train("job-a", Shared));
        Assert.True(await _h.Runner.RunOnceAsync(RunnerHarness.Timeout));
        var finished = (await _h.Store.ReadAsync(Shared + "/status.json", RunnerHarness.Timeout)).ToString();

        var e = await Assert.ThrowsAsync<OutputOwnedException>(() => _h.SubmitAsync(new JobRequest { Id = "job-b", Kind = "score", Output = Shared }));

        Assert.Contains("belongs to job 'job-a' (train)", e.Message, StringComparison.Ordinal);
        Assert.Equal(finished, (await _h.Store.ReadAsync(Shared + "/status.json", RunnerHarness.Timeout)).ToString());
        Assert.Empty(_h.JobQueue.Snapshot());
        Assert.Equal(JobState.Succeeded, (await _h.StatusOf(Shared)).State);
    }

    [Fact]
    public async Task Submit_OutputFinishedBeforeOwnerRecordsExisted_ManifestNamesTheOwner()
    {
        // An output finished by an older worker: _SUCCESS but no _OWNER.
        await ManifestWriter.WriteAsync(_h.Store, Shared, "old-job", "score", _h.Time, [], RunnerHarness.Timeout);

        var e = await Assert.ThrowsAsync<OutputOwnedException>(() => _h.SubmitAsync(RunnerHarness.Train("job-b", Shared)));

        Assert.Contains("belongs to job 'old-job' (score)", e.Message, StringComparison.Ordinal);
        Assert.Null(await _h.Status.GetAsync(Shared, RunnerHarness.Timeout));
    }

    [Fact]
    public async Task Submit_InvalidQueueName_FailsBeforeWritingStatus()
    {
        await using var h = new RunnerHarness(new() { ["ScoreBatch:QueueName"] = "q2" });

        await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => h.SubmitAsync(RunnerHarness.Train("job-a", Shared)));

        Assert.Null(await h.Status.GetAsync(Shared, RunnerHarness.Timeout));
        Assert.Null(await OutputOwnership.ReadAsync(h.Store, Shared, RunnerHarness.Timeout));
    }

    [Fact]
    public async Task Claim_TwoJobsRace_ExactlyOneOwns()
    {
        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            OutputOwnership.ClaimAsync(_h.Store, Shared, $"job-{i}", "score", "test", _h.Time, RunnerHarness.Timeout)));

        Assert.Single(claims, c => c.Owned);
        Assert.All(claims, c => Assert.Equal(claims.Single(x => x.Owned).Owner.JobId, c.Owner.JobId));
    }

    [Fact]
    public async Task Submit_MessageOverTheQueueLimit_RefusedBeforeAnyWrite()
    {
        var big = RunnerHarness.Train("job-a", Shared) with { Params = new JobParams(new() { ["note"] = new string('x', 70_000) }) };

        var e = await Assert.ThrowsAsync<JobValidationException>(() => _h.SubmitAsync(big));

        Assert.Contains("over the limit of 65536", e.Message, StringComparison.Ordinal);
        Assert.Null(await _h.Status.GetAsync(Shared, RunnerHarness.Timeout));
        Assert.Null(await OutputOwnership.ReadAsync(_h.Store, Shared, RunnerHarness.Timeout));
    }
}
