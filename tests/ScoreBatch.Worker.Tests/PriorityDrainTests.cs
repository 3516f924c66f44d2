using Microsoft.Extensions.DependencyInjection;
using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Storage.Status;
using ScoreBatch.Worker.Runner;
using ScoreBatch.Worker.Submission;
using ScoreBatch.Worker.Tests.Fakes;

namespace ScoreBatch.Worker.Tests;

public sealed class PriorityDrainTests
{
    [Fact]
    public void NextTurn_AllQueuesBusy_SharesTurnsSixThreeOneInterleaved()
    {
        var drain = new PriorityDrain([6, 3, 1]);
        var picks = Enumerable.Range(0, 100).Select(_ => drain.NextTurn()[0]).ToList();

        Assert.Equal((60, 30, 10), (picks.Count(p => p == JobPriority.High), picks.Count(p => p == JobPriority.Normal), picks.Count(p => p == JobPriority.Low)));
        var lowTurns = picks.Select((p, i) => (p, i)).Where(x => x.p == JobPriority.Low).Select(x => x.i).ToList();
        Assert.True(lowTurns.Zip(lowTurns.Skip(1), (a, b) => b - a).All(gap => gap == 10), "low gets one turn in every ten, never starved");
        Assert.True(lowTurns[0] < 10);
    }

    [Fact]
    public void NextTurn_AfterThePick_FallsThroughHighestFirst()
    {
        var drain = new PriorityDrain([1, 1, 1]);
        Assert.Equal([JobPriority.High, JobPriority.Normal, JobPriority.Low], drain.NextTurn());
        Assert.Equal([JobPriority.Normal, JobPriority.High, JobPriority.Low], drain.NextTurn());
        Assert.Equal([JobPriority.Low, JobPriority.High, JobPriority.Normal], drain.NextTurn());
        Assert.Throws<ArgumentException>(() => new PriorityDrain([1, 0, 1]));
    }

    [Fact]
    public async Task Runner_ThreeFullPriorityQueuesOnAFakeClock_ProcessesInWeightedShareAndIdleQueuesGiveWay()
    {
        await using var h = new RunnerHarness();
        // Each job takes one (fake) minute; the clock only moves when a job runs.
        h.Script.Run = (c, t) =>
        {
            h.Time.Advance(TimeSpan.FromMinutes(1));
            return Task.FromResult(JobOutcome.Completed);
        };
        var submitter = h.Services.GetRequiredService<JobSubmitter>();
        foreach (var priority in PriorityQueues.All)
        {
            for (var i = 0; i < 40; i++)
            {
                var id = $"{priority.ToString().ToLowerInvariant()}-{i:D2}";
                await submitter.SubmitAsync(RunnerHarness.Train(id, $"out/{id}"), false, priority, RunnerHarness.Timeout);
            }
        }
        var start = h.Time.GetUtcNow();

        var done = new List<string>();
        for (var turn = 0; turn < 50; turn++)
        {
            Assert.True(await h.Runner.RunOnceAsync(RunnerHarness.Timeout));
        }
        foreach (var priority in PriorityQueues.All)
        {
            for (var i = 0; i < 40; i++)
            {
                var id = $"{priority.ToString().ToLowerInvariant()}-{i:D2}";
                if ((await h.Status.GetAsync($"out/{id}", RunnerHarness.Timeout))?.State == JobState.Succeeded) done.Add(id);
            }
        }

        // 50 minutes of work with all three queues full: 30 high, 15 normal, 5 low.
        Assert.Equal(TimeSpan.FromMinutes(50), h.Time.GetUtcNow() - start);
        Assert.Equal((30, 15, 5), (done.Count(d => d.StartsWith("high", StringComparison.Ordinal)),
            done.Count(d => d.StartsWith("normal", StringComparison.Ordinal)), done.Count(d => d.StartsWith("low", StringComparison.Ordinal))));

        // The rest drains fully: high's 10 left go first in its turns, then the others take every turn.
        var more = 0;
        while (await h.Runner.RunOnceAsync(RunnerHarness.Timeout)) more++;
        Assert.Equal(70, more);
        Assert.Equal(0, h.Queues.GetQueue(RunnerHarness.Queue + "-high").Snapshot().Count + h.JobQueue.Snapshot().Count
            + h.Queues.GetQueue(RunnerHarness.Queue + "-low").Snapshot().Count);
    }
}
