using System.Globalization;
using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Storage.Status;
using ScoreBatch.Worker.Runner;

namespace ScoreBatch.Worker.Tests;

public sealed class StatusTransitionsTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-03-01T12:00:00Z", CultureInfo.InvariantCulture);
    private static readonly JobRequest Request = new() { Id = "job-1", Kind = "train", Output = "out/job-1", Input = "in/x" };

    private static JobStatus Queued() => new()
    {
        JobId = "job-1", Kind = "train", State = JobState.Queued, CreatedAt = T0, UpdatedAt = T0, LastError = "IOException: earlier",
        ErrorField = "params.steps", Retries = 3, Progress = new JobStatusProgress(10, 100, "steps"),
    };

    [Fact]
    public void Started_SecondAttempt_KeepsFirstStartAndClearsFinish()
    {
        var first = StatusTransitions.Started(Queued(), Request, 1, T0.AddMinutes(1), "w1");
        var settled = StatusTransitions.Settled(first, Request, new AttemptSettlement(JobState.Queued, 1, 0, null, "boom", Finished: true), T0.AddMinutes(2), "w1");
        var second = StatusTransitions.Started(settled, Request, 2, T0.AddMinutes(5), "w2");

        Assert.Equal(JobState.Running, second.State);
        Assert.Equal(2, second.Attempt);
        Assert.Equal(T0.AddMinutes(1), second.StartedAt);
        Assert.Null(second.FinishedAt);
        Assert.Equal("w2", second.WorkerId);
        Assert.Equal(T0, second.CreatedAt);
    }

    [Fact]
    public void Started_NoStatusYet_CreatesRecordForTheRequest()
    {
        var s = StatusTransitions.Started(null, Request, 1, T0, "w1");
        Assert.Equal(("job-1", "train", JobState.Running, T0, T0), (s.JobId, s.Kind, s.State, s.CreatedAt, s.StartedAt!.Value));
    }

    [Fact]
    public void Progressed_Tick_ChangesOnlyProgressAndUpdatedAt()
    {
        var before = Queued();
        var after = StatusTransitions.Progressed(before, Request, new JobProgress(42, 100, "steps"), T0.AddSeconds(10));
        Assert.Equal(before with { Progress = new JobStatusProgress(42, 100, "steps"), UpdatedAt = T0.AddSeconds(10) }, after);
    }

    [Fact]
    public void Settled_WithoutErrorOrProgress_KeepsRecordedOnesAndAddsRetries()
    {
        var s = StatusTransitions.Settled(Queued(), Request, new AttemptSettlement(JobState.Succeeded, 2, 4, null, null, Finished: true), T0.AddHours(1), "w1");
        Assert.Equal(JobState.Succeeded, s.State);
        Assert.Equal("IOException: earlier", s.LastError);
        Assert.Equal("params.steps", s.ErrorField);
        Assert.Equal(new JobStatusProgress(10, 100, "steps"), s.Progress);
        Assert.Equal(7, s.Retries);
        Assert.Equal(T0.AddHours(1), s.FinishedAt);
    }

    [Fact]
    public void Settled_RetryWithError_IsQueuedUnfinishedWithNewErrorAndProgress()
    {
        var s = StatusTransitions.Settled(Queued(), Request,
            new AttemptSettlement(JobState.Queued, 2, 0, new JobProgress(50, 100, "steps"), "TimeoutException: slow", Finished: false), T0.AddHours(1), "w1");
        Assert.Equal((JobState.Queued, "TimeoutException: slow", (DateTimeOffset?)null), (s.State, s.LastError, s.FinishedAt));
        Assert.Equal(50, s.Progress!.Done);
    }

    [Fact]
    public void GivenUp_UnknownJob_RecordsFailureWithFieldAndDeliveries()
    {
        var s = StatusTransitions.GivenUp(null, "msg-9", "unknown", 6, "kind: not a kind", "kind", 1, T0, "w1");
        Assert.Equal(("msg-9", "unknown", JobState.Failed, 6, "kind: not a kind", "kind", 1), (s.JobId, s.Kind, s.State, s.Attempt, s.LastError, s.ErrorField, s.Retries));
        Assert.Equal(T0, s.FinishedAt);
    }
}
