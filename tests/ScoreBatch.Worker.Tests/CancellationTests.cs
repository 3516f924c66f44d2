using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Storage.Abstractions;
using ScoreBatch.Storage.Artifacts;
using ScoreBatch.Storage.Status;
using ScoreBatch.Tests.Shared;
using ScoreBatch.Worker.Cli;
using ScoreBatch.Worker.Hosting;
using ScoreBatch.Worker.Submission;
using ScoreBatch.Worker.Tests.Fakes;

namespace ScoreBatch.Worker.Tests;

/// <summary>`scorebatch cancel` and `scorebatch jobs` against the real host on Azurite (real time, default progress interval).</summary>
[Collection(AzuriteCollection.Name)]
public sealed class CancellationTests(AzuriteFixture azurite)
{
    private readonly string _queue = AzuriteFixture.UniqueName("cancel");
    private readonly string _container = AzuriteFixture.UniqueName("out");

    private IHost BuildHost(HandlerScript script, bool exitWhenIdle)
    {
        var builder = WorkerHost.CreateBuilder(new Dictionary<string, string?>
        {
            ["ScoreBatch:Storage:ConnectionString"] = azurite.ConnectionString,
            ["ScoreBatch:QueueName"] = _queue,
            ["ScoreBatch:ExitWhenIdle"] = exitWhenIdle ? "true" : "false",
            ["ScoreBatch:MinPollDelay"] = "00:00:00.05",
            ["ScoreBatch:MaxPollDelay"] = "00:00:00.2",
            ["ScoreBatch:CacheDirectory"] = Path.Combine(Path.GetTempPath(), "scorebatch-cancel-" + _queue),
            ["ScoreBatch:WorkerId"] = "cancel",
        }, services => services.AddJobHandler<FakeTrainHandler>().AddJobHandler<FakeScoreHandler>());
        builder.Services.AddSingleton(script);
        return builder.Build();
    }

    [Fact]
    public async Task Cancel_RunningTrainingJob_CheckpointsThenCancelledWithin10sAndMessageDeleted()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var ct = timeout.Token;
        var script = new HandlerScript
        {
            Run = async (c, t) =>
            {
                try
                {
                    await Task.Delay(Timeout.Infinite, t);
                }
                catch (OperationCanceledException)
                {
                    // As the train handler does on shutdown: checkpoint, then snooze.
                    await c.Store.WriteAsync(c.Request.Output + "/checkpoints/ckpt-00000007.ckpt", BinaryData.FromString("ckpt"), overwrite: false, CancellationToken.None);
                    return JobOutcome.Snooze("stopping");
                }
                return JobOutcome.Completed;
            },
        };
        using var host = BuildHost(script, exitWhenIdle: false);
        var output = $"{_container}/c1";
        await host.Services.GetRequiredService<JobSubmitter>().SubmitAsync(new JobRequest { Id = "c1", Kind = "train", Output = output }, false, ct);
        await host.StartAsync(ct);
        try
        {
            await script.Started.Task.WaitAsync(ct);
            var status = host.Services.GetRequiredService<IStatusStore>();
            var store = host.Services.GetRequiredService<IArtifactStore>();
            var canceller = new JobCanceller(store, status, TimeProvider.System);
            var clock = Stopwatch.StartNew();
            var result = await canceller.CancelAsync(output, "test", ct);
            Assert.Equal(new CancelResult("c1", JobState.Running, true), result);

            JobStatus? s;
            while ((s = await status.GetAsync(output, ct))!.State != JobState.Cancelled) await Task.Delay(100, ct);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(12), $"cancelled after {clock.Elapsed} (a running job looks every 10 s)");
            Assert.StartsWith("cancel requested by test", s.LastError, StringComparison.Ordinal);
            Assert.NotNull(await store.GetInfoAsync(output + "/checkpoints/ckpt-00000007.ckpt", ct));
            Assert.Null(await store.GetInfoAsync(OutputLayout.SuccessPath(output), ct));
            var queue = host.Services.GetRequiredService<IJobQueueProvider>().GetQueue(_queue);
            while (await queue.ApproximateCountAsync(ct) != 0) await Task.Delay(100, ct); // deleted right after the status write
            Assert.Equal(1, script.Calls);

            var listed = Assert.Single(await JobsCommand.ListAsync(store, status, ct), e => e.Id == "c1");
            Assert.Equal((JobState.Cancelled, "train", output), (listed.State, listed.Kind, listed.Output));
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Cancel_QueuedJob_DroppedWhenDequeuedWithoutRunning()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var ct = timeout.Token;
        var script = new HandlerScript();
        using var host = BuildHost(script, exitWhenIdle: true);
        var status = host.Services.GetRequiredService<IStatusStore>();
        var store = host.Services.GetRequiredService<IArtifactStore>();
        var submitter = host.Services.GetRequiredService<JobSubmitter>();
        await submitter.SubmitAsync(new JobRequest { Id = "q1", Kind = "train", Output = $"{_container}/q1" }, false, ct);
        await submitter.SubmitAsync(new JobRequest { Id = "q2", Kind = "score", Output = $"{_container}/q2" }, false, ct);

        var result = await new JobCanceller(store, status, TimeProvider.System).CancelAsync($"{_container}/q1", "test", ct);
        Assert.Equal(new CancelResult("q1", JobState.Queued, true), result);
        Assert.Equal(JobState.Cancelled, (await status.GetAsync($"{_container}/q1", ct))!.State); // at once: nobody runs it

        await host.StartAsync(ct);
        await host.WaitForShutdownAsync(ct);

        Assert.Equal(0, script.Calls); // the train handler never ran
        Assert.Equal(JobState.Cancelled, (await status.GetAsync($"{_container}/q1", ct))!.State);
        Assert.Equal(JobState.Succeeded, (await status.GetAsync($"{_container}/q2", ct))!.State);
        Assert.Equal(0, await host.Services.GetRequiredService<IJobQueueProvider>().GetQueue(_queue).ApproximateCountAsync(ct));
        var again = await new JobCanceller(store, status, TimeProvider.System).CancelAsync($"{_container}/q2", "test", ct);
        Assert.Equal(new CancelResult("q2", JobState.Succeeded, false), again);

        var mine = (await JobsCommand.ListAsync(store, status, ct)).Where(e => e.Output.StartsWith(_container, StringComparison.Ordinal)).ToList();
        Assert.Equal(["q1:Cancelled:train", "q2:Succeeded:score"], mine.Select(e => $"{e.Id}:{e.State}:{e.Kind}"));
    }
}
