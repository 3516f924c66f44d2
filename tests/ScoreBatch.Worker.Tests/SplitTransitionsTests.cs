using System.Globalization;
using System.Text.Json.Nodes;
using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Jobs.Kinds.Score;
using ScoreBatch.Storage.Status;
using ScoreBatch.Worker.Runner.Split;

namespace ScoreBatch.Worker.Tests;

/// <summary>A split job's parent in status.json, and the children the fan-out sends.</summary>
public sealed class SplitTransitionsTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-03-01T12:00:00Z", CultureInfo.InvariantCulture);

    private static readonly JobRequest Parent = new()
    {
        Id = "survey", Kind = JobKinds.Score, Input = "data/cutouts", Output = "out/survey", Model = "models/m.ckpt",
        Params = new JobParams(new JsonObject { ["split"] = 100, ["previews"] = 4 }),
    };

    private static JobStatus FannedOut() => SplitTransitions.FannedOut(
        new JobStatus { JobId = "survey", Kind = "score", State = JobState.Queued, CreatedAt = T0 }, Parent, 3, T0.AddSeconds(1), "w1");

    [Fact]
    public void FannedOut_QueuedParent_RunningWithNoPartDone()
    {
        var s = FannedOut();
        Assert.Equal((JobState.Running, 3, 0, 0L), (s.State, s.Parts!.Total, s.Parts.Succeeded.Count, s.Parts.Cutouts));
        Assert.Equal(new JobStatusProgress(0, 3, "parts", "0 cutouts scored"), s.Progress);
    }

    [Fact]
    public void PartSucceeded_SamePartTwice_CountedOnce()
    {
        var once = SplitTransitions.PartSucceeded(FannedOut(), 1, 40, T0.AddSeconds(2));
        var twice = SplitTransitions.PartSucceeded(once, 1, 40, T0.AddSeconds(3));

        Assert.Same(once, twice);
        Assert.Equal([1], twice.Parts!.Succeeded);
        Assert.Equal(new JobStatusProgress(1, 3, "parts", "40 cutouts scored"), twice.Progress);
        Assert.False(twice.Parts.AllSucceeded);
    }

    [Fact]
    public void PartSucceeded_LastOfThree_AllSucceededStillRunningUntilGathered()
    {
        var s = FannedOut();
        foreach (var p in new[] { 2, 0, 1 }) s = SplitTransitions.PartSucceeded(s, p, 10, T0.AddSeconds(2));

        Assert.Equal([0, 1, 2], s.Parts!.Succeeded);
        Assert.True(s.Parts.AllSucceeded);
        Assert.Equal(JobState.Running, s.State);
        Assert.Equal(JobState.Succeeded, SplitTransitions.Gathered(s, T0.AddSeconds(3), "w2").State);
    }

    [Fact]
    public void PartFailed_RunningParent_FailsNamingTheChildAndKeepsThatState()
    {
        var failed = SplitTransitions.PartFailed(FannedOut(), "survey/part-00002", "input: no cutout files", T0.AddSeconds(4), "w3");
        var late = SplitTransitions.PartSucceeded(failed, 0, 10, T0.AddSeconds(5));

        Assert.Equal(JobState.Failed, failed.State);
        Assert.Equal("part survey/part-00002 failed: input: no cutout files", failed.LastError);
        Assert.Equal(new JobStatusPartFailure("survey/part-00002", "input: no cutout files"), Assert.Single(failed.Parts!.Failed!));
        Assert.Equal(T0.AddSeconds(4), failed.FinishedAt);
        Assert.Equal(JobState.Failed, late.State); // a sibling that finishes later is counted, the parent stays failed
        Assert.Equal([0], late.Parts!.Succeeded);
    }

    [Fact]
    public void FannedOut_CancelledParent_KeepsCancelled()
    {
        var cancelled = FannedOut() with { State = JobState.Cancelled, FinishedAt = T0 };
        Assert.Equal(JobState.Cancelled, SplitTransitions.FannedOut(cancelled, Parent, 3, T0.AddSeconds(9), "w1").State);
    }

    [Fact]
    public void ChildOf_PartSeven_AnOrdinaryScoreJobWithItsParentLinkThatValidates()
    {
        var child = SplitFanOut.ChildOf(Parent, 7);

        Assert.Equal(("survey/part-00007", "score", "data/cutouts", "out/survey/parts/part-00007", "models/m.ckpt"),
            (child.Id, child.Kind, child.Input, child.Output, child.Model));
        Assert.Equal("{\"previews\":4,\"split_of\":\"out/survey\",\"part\":7}", child.Params.Node.ToJsonString());
        var args = ScoreJobArgs.From(child);
        Assert.Equal(("out/survey", 7, (int?)null), (args.SplitOf, args.Part, args.Split));
        Assert.Equal(("out/survey", 7), SplitLink.ParentOf(child));
        Assert.Equal("out/survey", SplitLink.ParentOutputOf(child.Id, child.Output));
        Assert.True(SplitLink.IsParent(Parent));
        Assert.False(SplitLink.IsParent(child));
    }

    [Theory]
    [InlineData("survey/part-00007", "out/other/parts/part-00007", "output")]
    [InlineData("survey/part-00006", "out/survey/parts/part-00007", "id")]
    public void ScoreJobArgs_ChildNotWhereItsLinkSays_RefusedNamingTheField(string id, string output, string field)
    {
        var child = SplitFanOut.ChildOf(Parent, 7) with { Id = id, Output = output };
        Assert.Equal(field, Assert.Throws<JobValidationException>(() => ScoreJobArgs.From(child)).Field);
    }

    [Fact]
    public void ScoreJobArgs_SplitOfWithoutPart_RefusedNamingPart()
    {
        var request = Parent with { Params = new JobParams(new JsonObject { ["split_of"] = "out/x" }) };
        Assert.Equal("params.part", Assert.Throws<JobValidationException>(() => ScoreJobArgs.From(request)).Field);
    }
}
