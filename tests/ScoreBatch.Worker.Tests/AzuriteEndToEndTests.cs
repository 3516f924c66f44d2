using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Storage.Abstractions;
using ScoreBatch.Storage.Artifacts;
using ScoreBatch.Storage.Status;
using ScoreBatch.Tests.Shared;
using ScoreBatch.Worker.Hosting;
using ScoreBatch.Worker.Runner;
using ScoreBatch.Worker.Submission;
using ScoreBatch.Worker.Tests.Fakes;

namespace ScoreBatch.Worker.Tests;

/// <summary>
/// The real host (configuration, Azure clients, resilience pipelines, runner) against a real Azurite, with fake
/// handlers. Real time: the host runs until the queue is idle (ExitWhenIdle).
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzuriteEndToEndTests(AzuriteFixture azurite)
{
    private readonly string _queue = AzuriteFixture.UniqueName("jobs");
    private readonly string _container = AzuriteFixture.UniqueName("out");

    private readonly CapturingLoggerProvider _logs = new();

    private IHost BuildHost(HandlerScript script)
    {
        var builder = WorkerHost.CreateBuilder(new Dictionary<string, string?>
        {
            ["ScoreBatch:Storage:ConnectionString"] = azurite.ConnectionString,
            ["ScoreBatch:QueueName"] = _queue,
            ["ScoreBatch:ExitWhenIdle"] = "true",
            ["ScoreBatch:MinPollDelay"] = "00:00:00.05",
            ["ScoreBatch:MaxPollDelay"] = "00:00:00.2",
            ["ScoreBatch:RetryBaseDelay"] = "00:00:00",
            ["ScoreBatch:CacheDirectory"] = Path.Combine(Path.GetTempPath(), "scorebatch-e2e-" + _queue),
            ["ScoreBatch:WorkerId"] = "e2e",
        }, services => services.AddJobHandler<FakeTrainHandler>().AddJobHandler<FakeScoreHandler>());
        builder.Logging.AddProvider(_logs);
        builder.Services.AddSingleton(script);
        return builder.Build();
    }

    [Fact]
    public async Task Worker_TwoJobsAndAPoisonMessageOnAzurite_JobsSucceedPoisonRecordedQueueDrained()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var ct = timeout.Token;
        var script = new HandlerScript
        {
            Run = async (c, t) =>
            {
                // First attempt fails once, the retry succeeds: exercises visibility back-off on a real queue.
                if (c.Attempt == 1) throw new IOException("transient trouble in the handler");
                await c.Store.WriteAsync(c.Request.Output + "/model.bin", BinaryData.FromBytes(new byte[4096]), overwrite: false, t);
                return JobOutcome.Completed;
            },
        };
        using var host = BuildHost(script);
        var submitter = host.Services.GetRequiredService<JobSubmitter>();
        await submitter.SubmitAsync(new JobRequest { Id = "t1", Kind = "train", Output = $"{_container}/t1" }, base64: false, ct);
        await submitter.SubmitAsync(new JobRequest { Id = "s1", Kind = "score", Output = $"{_container}/s1", Params = new JobParams(new() { ["shards"] = 3 }) },
            base64: true, ct);
        var queues = host.Services.GetRequiredService<IJobQueueProvider>();
        await queues.GetQueue(_queue).SendAsync("{\"schema\":1,\"id\":\"bad\",\"kind\":\"train\"}", ct);

        await host.StartAsync(ct);
        await host.WaitForShutdownAsync(ct);

        var status = host.Services.GetRequiredService<IStatusStore>();
        var store = host.Services.GetRequiredService<IArtifactStore>();
        var train = await status.GetAsync($"{_container}/t1", ct);
        Assert.Equal((JobState.Succeeded, 2), (train!.State, train.Attempt));
        Assert.Equal("IOException: transient trouble in the handler", train.LastError);
        Assert.Equal(JobState.Succeeded, (await status.GetAsync($"{_container}/s1", ct))!.State);
        Assert.Equal(4096, Assert.Single((await ManifestWriter.ReadAsync(store, $"{_container}/t1", ct))!.Files).Size);
        Assert.Equal(3, (await ManifestWriter.ReadAsync(store, $"{_container}/s1", ct))!.Files.Count);
        Assert.Equal(0, await queues.GetQueue(_queue).ApproximateCountAsync(ct));
        var poison = Assert.Single(await queues.GetQueue(_queue + "-poison").ReceiveAsync(5, TimeSpan.FromSeconds(30), ct));
        Assert.Equal("output", PoisonEnvelope.FromJson(poison.Body).Field);

        // Logs: the job's lines carry JobId, Kind and Attempt from the per-job scope; no key ever appears.
        var entries = _logs.Entries.ToList();
        var retry = Assert.Single(entries, e => e.Message.StartsWith("Attempt 1 of 5 failed", StringComparison.Ordinal));
        Assert.Equal(("t1", "train", 1), (retry.Scope["JobId"], retry.Scope["Kind"], retry.Scope["Attempt"]));
        Assert.Contains(entries, e => e.Message.StartsWith("Job s1 succeeded: 3 files", StringComparison.Ordinal));
        var key = azurite.ConnectionString.Split(';').Single(p => p.StartsWith("AccountKey=", StringComparison.Ordinal))["AccountKey=".Length..];
        Assert.DoesNotContain(entries, e => (e.Message + e.Exception).Contains(key, StringComparison.Ordinal));
    }
}
