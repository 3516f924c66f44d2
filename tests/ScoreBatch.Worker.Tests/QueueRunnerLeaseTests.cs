using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Storage.Status;
using ScoreBatch.Worker.Tests.Fakes;

namespace ScoreBatch.Worker.Tests;

/// <summary>Visibility renewal, lost messages and shutdown while a job runs; the fake clock drives all timers.</summary>
public sealed class QueueRunnerLeaseTests : IAsyncLifetime
{
    private readonly RunnerHarness _h = new(new() { ["ScoreBatch:VisibilityTimeout"] = "00:01:00", ["ScoreBatch:ProgressInterval"] = "00:00:10" });

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _h.DisposeAsync();

    /// <summary>A long job: waits until the test releases it (or its token fires), then completes.</summary>
    private TaskCompletionSource BlockHandler()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _h.Script.Run = async (c, ct) =>
        {
            c.Progress.Report(new JobProgress(3, 10, "steps"));
            await release.Task.WaitAsync(ct);
            await c.Store.WriteAsync(c.Request.Output + "/model.bin", BinaryData.FromString("weights"), overwrite: false, ct);
            return JobOutcome.Completed;
        };
        return release;
    }

    /// <summary>
    /// Moves the fake clock one renewal period (30 s) at a time, each time until the runner has renewed. The lease
    /// monitor arms its next 30 s delay only after the previous renewal returns, and the fake queue counts a renewal
    /// as it starts: when the clock moved before the delay was armed, that delay counts from the later time, so the
    /// clock is nudged a second at a time until the renewal comes (never past it: no renewal is skipped or added).
    /// </summary>
    private async Task AdvanceRenewalsAsync(int renewals)
    {
        var timeout = RunnerHarness.Timeout;
        for (var i = 1; i <= renewals; i++)
        {
            _h.Time.Advance(TimeSpan.FromSeconds(30));
            while (true)
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(timeout);
                wait.CancelAfter(TimeSpan.FromMilliseconds(250));
                try
                {
                    await _h.Losing.WaitForVisibilityUpdatesAsync(i, wait.Token);
                    break;
                }
                catch (OperationCanceledException) when (!timeout.IsCancellationRequested)
                {
                    _h.Time.Advance(TimeSpan.FromSeconds(1));
                }
            }
        }
    }

    [Fact]
    public async Task RunOnce_JobOutlivesVisibility_RenewedAtHalfTimeNeverRedeliveredAndNewestReceiptDeletes()
    {
        var release = BlockHandler();
        await _h.SubmitAsync(RunnerHarness.Train());
        var run = _h.Runner.RunOnceAsync(RunnerHarness.Timeout);
        await _h.Script.Started.Task.WaitAsync(RunnerHarness.Timeout);

        // Three visibility timeouts pass; renewals every 30 s keep the message hidden from other workers.
        await AdvanceRenewalsAsync(6);
        Assert.Equal(6, _h.Losing.VisibilityUpdates);
        Assert.Empty(await _h.JobQueue.ReceiveAsync(1, TimeSpan.FromSeconds(30), RunnerHarness.Timeout));
        var running = await _h.StatusOf("out/job-1");
        Assert.Equal((JobState.Running, 3L), (running.State, running.Progress!.Done));

        release.SetResult();
        await run.WaitAsync(RunnerHarness.Timeout);

        Assert.Equal(JobState.Succeeded, (await _h.StatusOf("out/job-1")).State);
        Assert.Empty(_h.JobQueue.Snapshot());
    }

    [Fact]
    public async Task RunOnce_RenewalFindsMessageLost_JobCancelledAndNothingAcknowledged()
    {
        BlockHandler();
        await _h.SubmitAsync(RunnerHarness.Train());
        var run = _h.Runner.RunOnceAsync(RunnerHarness.Timeout);
        await _h.Script.Started.Task.WaitAsync(RunnerHarness.Timeout);

        _h.Losing.LoseMessages = true;
        _h.Time.Advance(TimeSpan.FromSeconds(30));
        await run.WaitAsync(RunnerHarness.Timeout);

        Assert.True(_h.Script.LastToken.IsCancellationRequested);
        // The new holder owns the job now: this worker wrote no outcome and did not delete the message.
        Assert.Equal(JobState.Running, (await _h.StatusOf("out/job-1")).State);
        Assert.Single(_h.JobQueue.Snapshot());
        Assert.Empty(_h.PoisonQueue.Snapshot());
        Assert.False(await _h.Store.GetInfoAsync("out/job-1/_SUCCESS", RunnerHarness.Timeout) is not null);
    }

    [Fact]
    public async Task StopAsync_MidJob_HandlerCheckpointsAndSnoozesMessageReleasedStatusQueued()
    {
        _h.Script.Run = async (c, ct) =>
        {
            c.Progress.Report(new JobProgress(40, 100, "steps"));
            try
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, ct);
            }
            catch (OperationCanceledException)
            {
                await c.Store.WriteAsync(c.Request.Output + "/checkpoints/ckpt-00000040.ckpt", BinaryData.FromString("ckpt"), false, CancellationToken.None);
                return JobOutcome.Snooze("checkpointed at step 40 for shutdown");
            }
            return JobOutcome.Completed;
        };
        await _h.SubmitAsync(RunnerHarness.Train());
        var runner = _h.Runner;

        await runner.StartAsync(RunnerHarness.Timeout);
        await _h.Script.Started.Task.WaitAsync(RunnerHarness.Timeout);
        await runner.StopAsync(RunnerHarness.Timeout);

        Assert.True(_h.Script.LastToken.IsCancellationRequested);
        Assert.Equal(1, _h.JobQueue.VisibleCount());
        var status = await _h.StatusOf("out/job-1");
        Assert.Equal((JobState.Queued, 40L), (status.State, status.Progress!.Done));
        Assert.NotNull(await _h.Store.GetInfoAsync("out/job-1/checkpoints/ckpt-00000040.ckpt", RunnerHarness.Timeout));
        Assert.Null(await _h.Store.GetInfoAsync("out/job-1/_SUCCESS", RunnerHarness.Timeout));
    }

    [Fact]
    public async Task StopAsync_HandlerIgnoresSnoozeAndThrowsCancelled_MessageStillReleased()
    {
        _h.Script.Run = async (_, ct) =>
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, ct);
            return JobOutcome.Completed;
        };
        await _h.SubmitAsync(RunnerHarness.Train());
        var runner = _h.Runner;

        await runner.StartAsync(RunnerHarness.Timeout);
        await _h.Script.Started.Task.WaitAsync(RunnerHarness.Timeout);
        await runner.StopAsync(RunnerHarness.Timeout);

        Assert.Equal(1, _h.JobQueue.VisibleCount());
        Assert.Equal(JobState.Queued, (await _h.StatusOf("out/job-1")).State);
    }

    [Fact]
    public async Task Process_ShutdownBeforeHandlerStarts_MessageReleasedAndHandlerNotRun()
    {
        await _h.SubmitAsync(RunnerHarness.Train());
        var message = Assert.Single(await _h.JobQueue.ReceiveAsync(1, TimeSpan.FromMinutes(5), RunnerHarness.Timeout));
        using var stopped = new CancellationTokenSource();
        await stopped.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _h.Executor.ProcessAsync(message, stopped.Token));

        Assert.Equal(0, _h.Script.Calls);
        Assert.Equal(1, _h.JobQueue.VisibleCount());
    }
}
