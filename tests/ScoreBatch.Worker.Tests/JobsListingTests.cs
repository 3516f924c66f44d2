using System.Globalization;
using ScoreBatch.Storage.Status;
using ScoreBatch.Worker.Cli;

namespace ScoreBatch.Worker.Tests;

public sealed class JobsListingTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-03-01T12:00:00Z", CultureInfo.InvariantCulture);

    [Fact]
    public void Entry_RoundTrip_KeepsEveryField()
    {
        var e = new JobIndexEntry("s-1", "score", "out/s-1", JobState.Running, new JobStatusProgress(5, 20, "cutouts"), Now.AddHours(-3), Now);
        Assert.Equal(e, JobIndexEntry.TryParse(e.ToJson()));
    }

    [Fact]
    public void Entry_OldIdAndOutputOnly_ParsesAsQueued()
    {
        var e = JobIndexEntry.TryParse("{\"id\":\"t-1\",\"output\":\"out/t-1\"}");
        Assert.Equal(("t-1", "out/t-1", JobState.Queued, false), (e!.Id, e.Output, e.State, e.IsFinal));
        Assert.Null(JobIndexEntry.TryParse("not json"));
    }

    [Fact]
    public void Format_TwoJobs_AlignsColumnsWithProgressAndAge()
    {
        var text = JobsCommand.Format(
        [
            new JobIndexEntry("train-1", "train", "runs/t1", JobState.Succeeded, new JobStatusProgress(400, 400, "steps"), Now.AddMinutes(-90), Now),
            new JobIndexEntry("s", "score", "runs/s", JobState.Queued, null, Now.AddSeconds(-30), Now),
        ], Now);
        var lines = text.Split(Environment.NewLine);
        Assert.Equal("ID       KIND   STATE      PROGRESS       AGE  OUTPUT", lines[0]);
        Assert.Equal("train-1  train  succeeded  400/400 steps  1h   runs/t1", lines[1]);
        Assert.Equal("s        score  queued     -              30s  runs/s", lines[2]);
        Assert.Equal("no jobs", JobsCommand.Format([], Now));
    }
}
