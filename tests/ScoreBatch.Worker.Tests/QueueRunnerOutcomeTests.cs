using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Storage.Artifacts;
using ScoreBatch.Storage.Status;
using ScoreBatch.Worker.Runner;
using ScoreBatch.Worker.Tests.Fakes;

namespace ScoreBatch.Worker.Tests;

/// <summary>One test per outcome of a message, on in-memory storage with a fake clock.</summary>
public sealed class QueueRunnerOutcomeTests : IAsyncLifetime
{
    private readonly RunnerHarness _h = new(new() { ["ScoreBatch:MaxAttempts"] = "3" });

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private static async Task<JobOutcome> WriteResult(JobContext c, CancellationToken ct)
    {
        await c.Store.WriteAsync(c.Request.Output + "/result.txt", BinaryData.FromString("abc"), overwrite: false, ct);
        c.Progress.Report(new JobProgress(10, 10, "steps"));
        return JobOutcome.Completed;
    }

    [Fact]
    public async Task RunOnce_HandlerCompletes_StatusQueuedRunningSucceededManifestWrittenMessageDeleted()
    {
        var seenDuringRun = new List<JobState>();
        _h.Script.Run = async (c, ct) =>
        {
            seenDuringRun.Add((await _h.StatusOf(c.Request.Output)).State);
            return await WriteResult(c, ct);
        };
        await _h.SubmitAsync(RunnerHarness.Train());
        Assert.Equal(JobState.Queued, (await _h.StatusOf("out/job-1")).State);

        Assert.True(await _h.Runner.RunOnceAsync(RunnerHarness.Timeout));

        Assert.Equal([JobState.Running], seenDuringRun);
        var status = await _h.StatusOf("out/job-1");
        Assert.Equal(JobState.Succeeded, status.State);
        Assert.Equal(1, status.Attempt);
        Assert.Equal("test-worker", status.WorkerId);
        Assert.Equal(new JobStatusProgress(10, 10, "steps"), status.Progress);
        Assert.NotNull(status.FinishedAt);
        var manifest = await ManifestWriter.ReadAsync(_h.Store, "out/job-1", RunnerHarness.Timeout);
        var entry = Assert.Single(manifest!.Files);
        Assert.Equal(("result.txt", 3L), (entry.Path, entry.Size));
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", entry.Sha256);
        Assert.Empty(_h.JobQueue.Snapshot());
        Assert.Empty(_h.PoisonQueue.Snapshot());
    }

    [Fact]
    public async Task RunOnce_HandlerThrowsThenSucceeds_RetriedAfterBackoffAndSucceeds()
    {
        _h.Script.Run = (c, ct) => _h.Script.Calls == 1 ? throw new IOException("disk hiccup") : WriteResult(c, ct);
        await _h.SubmitAsync(RunnerHarness.Train());

        await _h.Runner.RunOnceAsync(RunnerHarness.Timeout);
        var afterFailure = await _h.StatusOf("out/job-1");
        Assert.Equal(JobState.Queued, afterFailure.State);
        Assert.Equal(1, afterFailure.Attempt);
        Assert.Equal("IOException: disk hiccup", afterFailure.LastError);
        // The message is hidden for RetryBaseDelay (10 s) after attempt 1, then comes back.
        Assert.False(await _h.Runner.RunOnceAsync(RunnerHarness.Timeout));
        _h.Time.Advance(TimeSpan.FromSeconds(10));
        Assert.True(await _h.Runner.RunOnceAsync(RunnerHarness.Timeout));

        var final = await _h.StatusOf("out/job-1");
        Assert.Equal(JobState.Succeeded, final.State);
        Assert.Equal(2, final.Attempt);
        Assert.Equal("IOException: disk hiccup", final.LastError);
        Assert.Equal(2, _h.Script.Calls);
        Assert.Empty(_h.JobQueue.Snapshot());
    }

    [Fact]
    public async Task RunOnce_HandlerAlwaysThrows_PoisonedAfterMaxAttemptsWithError()
    {
        _h.Script.Run = (_, _) => throw new InvalidOperationException("NaN loss");
        await _h.SubmitAsync(RunnerHarness.Train());

        for (var attempt = 1; attempt <= 3; attempt++)
        {
            Assert.True(await _h.Runner.RunOnceAsync(RunnerHarness.Timeout));
            _h.Time.Advance(_h.Executor.RetryDelay(attempt));
        }

        Assert.Equal(3, _h.Script.Calls);
        Assert.Empty(_h.JobQueue.Snapshot());
        var poison = PoisonEnvelope.FromJson(Assert.Single(_h.PoisonQueue.Snapshot()));
        Assert.Equal(3, poison.Attempts);
        Assert.Contains("NaN loss", poison.Reason, StringComparison.Ordinal);
        Assert.Equal(RunnerHarness.Train().ToJson(), poison.Body);
        var status = await _h.StatusOf("out/job-1");
        Assert.Equal(JobState.Failed, status.State);
        Assert.Contains("attempt 3 of 3", status.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunOnce_DequeueCountAboveMaxAttempts_PoisonedWithoutRunningHandler()
    {
        await _h.SubmitAsync(RunnerHarness.Train());
        // Three deliveries that crashed before any outcome: received, never acknowledged.
        for (var i = 0; i < 3; i++)
        {
            Assert.Single(await _h.JobQueue.ReceiveAsync(1, TimeSpan.FromMinutes(1), RunnerHarness.Timeout));
            _h.Time.Advance(TimeSpan.FromMinutes(1));
        }

        Assert.True(await _h.Runner.RunOnceAsync(RunnerHarness.Timeout));

        Assert.Equal(0, _h.Script.Calls);
        var poison = PoisonEnvelope.FromJson(Assert.Single(_h.PoisonQueue.Snapshot()));
        Assert.Equal(4, poison.Attempts);
        Assert.Contains("gave up after 3 deliveries", poison.Reason, StringComparison.Ordinal);
        Assert.Equal(JobState.Failed, (await _h.StatusOf("out/job-1")).State);
        Assert.Empty(_h.JobQueue.Snapshot());
    }

    [Fact]
    public async Task RunOnce_HandlerDiscards_PoisonedAtOnce()
    {
        _h.Script.Run = (_, _) => Task.FromResult(JobOutcome.Discard("input has no cutouts"));
        await _h.SubmitAsync(RunnerHarness.Train());

        await _h.Runner.RunOnceAsync(RunnerHarness.Timeout);

        Assert.Equal("input has no cutouts", PoisonEnvelope.FromJson(Assert.Single(_h.PoisonQueue.Snapshot())).Reason);
        Assert.Equal(JobState.Failed, (await _h.StatusOf("out/job-1")).State);
        Assert.Empty(_h.JobQueue.Snapshot());
    }

    [Fact]
    public async Task RunOnce_ValidateRejectsParam_PoisonedWithFieldNamedNoRun()
    {
        _h.Script.Validate = r => r.Params.GetInt32("steps", 100, 1, 1000);
        await _h.SubmitAsync(RunnerHarness.Train() with { Params = new JobParams(new() { ["steps"] = -5 }) });

        await _h.Runner.RunOnceAsync(RunnerHarness.Timeout);

        Assert.Equal(0, _h.Script.Calls);
        var poison = PoisonEnvelope.FromJson(Assert.Single(_h.PoisonQueue.Snapshot()));
        Assert.Equal("params.steps", poison.Field);
        var status = await _h.StatusOf("out/job-1");
        Assert.Equal((JobState.Failed, "params.steps"), (status.State, status.ErrorField));
        Assert.EndsWith("got -5", status.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunOnce_HandlerCancels_StatusCancelledMessageDeleted()
    {
        _h.Script.Run = (_, _) => Task.FromResult(JobOutcome.Cancelled("cancelled by user"));
        await _h.SubmitAsync(RunnerHarness.Train());

        await _h.Runner.RunOnceAsync(RunnerHarness.Timeout);

        var status = await _h.StatusOf("out/job-1");
        Assert.Equal((JobState.Cancelled, "cancelled by user"), (status.State, status.LastError));
        Assert.Empty(_h.JobQueue.Snapshot());
        Assert.Empty(_h.PoisonQueue.Snapshot());
        Assert.False(await ManifestWriter.ExistsAsync(_h.Store, "out/job-1", RunnerHarness.Timeout));
    }

    [Fact]
    public async Task RunOnce_HandlerSnoozes_MessageVisibleAgainNow()
    {
        _h.Script.Run = (_, _) => Task.FromResult(JobOutcome.Snooze("GPU busy"));
        await _h.SubmitAsync(RunnerHarness.Train());

        await _h.Runner.RunOnceAsync(RunnerHarness.Timeout);

        Assert.Equal(1, _h.JobQueue.VisibleCount());
        Assert.Equal(JobState.Queued, (await _h.StatusOf("out/job-1")).State);
    }

    [Fact]
    public async Task RunOnce_FinishedJobRedelivered_AcknowledgedWithoutCallingHandler()
    {
        _h.Script.Run = WriteResult;
        await _h.SubmitAsync(RunnerHarness.Train());
        await _h.Runner.RunOnceAsync(RunnerHarness.Timeout);
        var manifestBefore = (await _h.Store.ReadAsync("out/job-1/_SUCCESS", RunnerHarness.Timeout)).ToString();

        await _h.JobQueue.SendAsync(RunnerHarness.Train().ToJson(), RunnerHarness.Timeout);
        Assert.True(await _h.Runner.RunOnceAsync(RunnerHarness.Timeout));

        Assert.Equal(1, _h.Script.Calls);
        Assert.Empty(_h.JobQueue.Snapshot());
        Assert.Equal(manifestBefore, (await _h.Store.ReadAsync("out/job-1/_SUCCESS", RunnerHarness.Timeout)).ToString());
        Assert.Equal(JobState.Succeeded, (await _h.StatusOf("out/job-1")).State);
    }

    [Fact]
    public async Task RunOnce_MalformedMessageNamingFinishedOutput_PoisonedAndFinishedStatusKept()
    {
        _h.Script.Run = WriteResult;
        await _h.SubmitAsync(RunnerHarness.Train());
        await _h.Runner.RunOnceAsync(RunnerHarness.Timeout);

        await _h.JobQueue.SendAsync("{\"schema\":1,\"id\":\"j2\",\"kind\":\"paint\",\"output\":\"out/job-1\"}", RunnerHarness.Timeout);
        await _h.Runner.RunOnceAsync(RunnerHarness.Timeout);

        Assert.Equal("kind", PoisonEnvelope.FromJson(Assert.Single(_h.PoisonQueue.Snapshot())).Field);
        Assert.Equal(JobState.Succeeded, (await _h.StatusOf("out/job-1")).State);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RunOnce_PlainOrBase64Json_BothProcessed(bool base64)
    {
        await _h.SubmitAsync(new JobRequest { Id = "s1", Kind = "score", Output = "out/s1", Params = new JobParams(new() { ["shards"] = 2 }) }, base64);

        await _h.Runner.RunOnceAsync(RunnerHarness.Timeout);

        Assert.Equal(JobState.Succeeded, (await _h.StatusOf("out/s1")).State);
        var manifest = await ManifestWriter.ReadAsync(_h.Store, "out/s1", RunnerHarness.Timeout);
        Assert.Equal(["scores/0000.txt", "scores/0001.txt"], manifest!.Files.Select(f => f.Path));
    }

    [Theory]
    [InlineData("{\"schema\":1,\"id\":\"j\",\"kind\":\"train\"}", "output", null)]
    [InlineData("{\"schema\":2,\"id\":\"j\",\"kind\":\"train\",\"output\":\"out/j\"}", "schema", "out/j")]
    [InlineData("{\"id\":\"j\",\"kind\":\"train\",\"output\":\"out/j\"}", "schema", "out/j")]
    [InlineData("{\"schema\":1,\"id\":\"j\",\"kind\":\"paint\",\"output\":\"out/j\"}", "kind", "out/j")]
    [InlineData("{\"schema\":1,\"kind\":\"train\",\"output\":\"out/j\"}", "id", "out/j")]
    [InlineData("{\"schema\":1,\"id\":\"j\",\"kind\":\"train\",\"output\":\"out/../etc\"}", "output", null)]
    [InlineData("{\"schema\":1,\"id\":\"j\",\"kind\":\"train\",\"output\":\"out/j\",\"input\":\"/abs\"}", "input", "out/j")]
    [InlineData("{\"schema\":1,\"id\":\"j\",\"kind\":\"train\",\"output\":\"out/j\",\"params\":[1]}", "params", "out/j")]
    [InlineData("{\"schema\":1,\"id\":\"j\",\"kind\":\"train\",\"output\":\"out/j\",\"parms\":{}}", "parms", "out/j")]
    [InlineData("{\"schema\":1,", "body", null)]
    [InlineData("not json at all", "body", null)]
    public async Task RunOnce_MalformedMessage_PoisonedAtOnceNamingField(string body, string field, string? output)
    {
        await _h.JobQueue.SendAsync(body, RunnerHarness.Timeout);

        Assert.True(await _h.Runner.RunOnceAsync(RunnerHarness.Timeout));

        Assert.Equal(0, _h.Script.Calls);
        Assert.Empty(_h.JobQueue.Snapshot());
        var poison = PoisonEnvelope.FromJson(Assert.Single(_h.PoisonQueue.Snapshot()));
        Assert.Equal(field, poison.Field);
        Assert.StartsWith(field + ":", poison.Reason, StringComparison.Ordinal);
        Assert.Equal(body, poison.Body);
        if (output is not null)
        {
            var status = await _h.StatusOf(output);
            Assert.Equal((JobState.Failed, field), (status.State, status.ErrorField));
        }
    }
}
