using System.Globalization;
using ScoreBatch.Reliability.Tests.Support;
using ScoreBatch.Storage.Status;

namespace ScoreBatch.Reliability.Tests;

/// <summary>
/// A storage outage in the middle of a job: the disk-backed Azurite is stopped for several seconds and started again
/// with the same data. A scoring job's storage operations ride it out in their retry pipelines; the job completes
/// with every output and status.json records the retries. A training job rides out an outage longer than its
/// pipelines do: its checkpoint writes wait for storage while training pauses (issue 9, item 7).
/// </summary>
public sealed class StorageOutageTests(ITestOutputHelper output) : IDisposable
{
    private const int Files = 30;
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(5);

    /// <summary>Far beyond what the storage pipeline alone rides out in the training test (about a second there).</summary>
    private static readonly TimeSpan TrainingOutage = TimeSpan.FromSeconds(12);

    private readonly DiskAzurite _azurite = new();
    private readonly DirectoryInfo _cache = Directory.CreateTempSubdirectory("scorebatch-outage-");
    private WorkerProcess? _worker;

    [Fact]
    public async Task ScoringJob_StorageDownForSecondsMidJob_CompletesAndStatusRecordsRetries()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(150));
        var ct = timeout.Token;
        var probe = new StorageProbe(_azurite.ConnectionString);
        await probe.Store.WriteAsync("outage/model/tiny.ckpt", BinaryData.FromBytes(TinyPrior.Checkpoint()), overwrite: true, ct);
        for (int i = 0; i < Files; i++)
            await probe.Store.WriteAsync($"outage/in/part-{i:D3}.npy", BinaryData.FromBytes(TinyPrior.Cutouts(2, seed: i)), overwrite: true, ct);
        await probe.Queues.GetQueue("outage-jobs").SendAsync(
            "{\"schema\":1,\"id\":\"outage\",\"kind\":\"score\",\"input\":\"outage/in\",\"output\":\"outage/out\",\"model\":\"outage/model/tiny.ckpt\",\"params\":{\"batch\":2,\"previews\":0}}", ct);

        var settings = WorkerProcess.FastSettings(_azurite.ConnectionString, "outage-jobs", "outage-worker", _cache.FullName, TimeSpan.FromSeconds(20));
        // Retries that outlast the outage: 0.2 s doubling to 2 s, 10 times (about 15 s in all).
        settings["ScoreBatch:Resilience:MaxRetryAttempts"] = "10";
        settings["ScoreBatch:Resilience:BaseDelay"] = "00:00:00.2";
        settings["ScoreBatch:Resilience:MaxDelay"] = "00:00:02";
        // Pace the job (every blob read takes 150 ms more) so the outage surely lands in its middle.
        settings["ScoreBatch:Resilience:Chaos:Enabled"] = "true";
        settings["ScoreBatch:Resilience:Chaos:LatencyRate"] = "1";
        settings["ScoreBatch:Resilience:Chaos:Latency"] = "00:00:00.15";
        settings["ScoreBatch:Resilience:Chaos:Pipelines:0"] = "blob-read";
        _worker = WorkerProcess.Start("outage-worker", settings, output.WriteLine);

        // Wait until the job has written its first score shards, then pull the plug.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (await probe.Store.GetInfoAsync("outage/out/scores/part-000.npy", ct) is null)
        {
            Assert.True(DateTime.UtcNow < deadline, $"no score shard within 60 s:\n{_worker.Tail()}");
            Assert.False(_worker.HasExited, $"worker exited:\n{_worker.Tail()}");
            await Task.Delay(50, ct);
        }
        _azurite.Stop();
        output.WriteLine($"storage stopped at {DateTime.UtcNow:HH:mm:ss.fff}");
        await Task.Delay(Outage, ct);
        _azurite.Start();
        output.WriteLine($"storage back at {DateTime.UtcNow:HH:mm:ss.fff}");

        var status = await probe.WaitForStatusAsync("outage/out", s => s.State is JobState.Succeeded or JobState.Failed, TimeSpan.FromSeconds(90), ct, () => _worker.Tail());

        Assert.Equal(JobState.Succeeded, status.State);
        Assert.True(status.Retries > 0, $"status.json records {status.Retries} retries");
        Assert.True(_worker.CountLines("failed transiently; retry") >= status.Retries, "every recorded retry was logged");
        var manifest = await probe.AuditAsync("outage/out", ct);
        Assert.Equal(Files + 1, manifest.Files.Count);
        Assert.Equal(Enumerable.Range(0, Files).Select(i => $"scores/part-{i:D3}.npy").Append("summary.csv"), manifest.Files.Select(f => f.Path));
        var rows = (await probe.Store.ReadAsync("outage/out/summary.csv", ct)).ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2 * Files + 1, rows.Length); // header + one row per cutout: nothing lost, nothing twice
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"succeeded on attempt {status.Attempt} with {status.Retries} retries recorded"));
    }

    [Fact]
    public async Task TrainingJob_StorageDownLongerThanThePipelineRetries_TrainingWaitsAndCompletesOnItsFirstAttempt()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(180));
        var ct = timeout.Token;
        var probe = new StorageProbe(_azurite.ConnectionString);
        await probe.Store.WriteAsync("toutage/in/stack.npy", BinaryData.FromBytes(TinyPrior.Cutouts(32)), overwrite: true, ct);
        const int Steps = 1500;
        await probe.Queues.GetQueue("toutage-jobs").SendAsync(
            "{\"schema\":1,\"id\":\"toutage\",\"kind\":\"train\",\"input\":\"toutage/in\",\"output\":\"toutage/out\",\"params\":{\"size\":8,\"width\":16,"
            + $"\"blocks\":1,\"mlp_width\":32,\"steps\":{Steps},\"batch\":8,\"checkpoint_every\":25,\"log_every\":25,\"device\":\"cpu\"}}}}", ct);

        var settings = WorkerProcess.FastSettings(_azurite.ConnectionString, "toutage-jobs", "toutage-worker", _cache.FullName, TimeSpan.FromSeconds(30));
        // The storage pipeline alone gives up within about a second: riding out the outage is the training job's doing.
        settings["ScoreBatch:Resilience:MaxRetryAttempts"] = "1";
        settings["ScoreBatch:Resilience:SdkMaxRetries"] = "0";
        settings["ScoreBatch:MaxAttempts"] = "3";
        _worker = WorkerProcess.Start("toutage-worker", settings, output.WriteLine);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (await probe.Store.GetInfoAsync("toutage/out/checkpoints/ckpt-00000050.ckpt", ct) is null)
        {
            Assert.True(DateTime.UtcNow < deadline, $"no checkpoint within 90 s:\n{_worker.Tail()}");
            Assert.False(_worker.HasExited, $"worker exited:\n{_worker.Tail()}");
            await Task.Delay(20, ct);
        }
        _azurite.Stop();
        output.WriteLine($"storage stopped at {DateTime.UtcNow:HH:mm:ss.fff}");
        await Task.Delay(TrainingOutage, ct);
        _azurite.Start();
        output.WriteLine($"storage back at {DateTime.UtcNow:HH:mm:ss.fff}");

        var status = await probe.WaitForStatusAsync("toutage/out", s => s.State is JobState.Succeeded or JobState.Failed, TimeSpan.FromSeconds(120), ct, () => _worker.Tail());

        Assert.Equal(JobState.Succeeded, status.State);
        Assert.Equal(1, status.Attempt); // not abandoned and redelivered: the same attempt went on
        Assert.True(_worker.CountLines("training waits and tries again") >= 1, $"no write waited for storage:\n{_worker.Tail()}");
        Assert.True(_worker.CountLines("Storage is back") >= 1, "the waiting write landed");
        var steps = (await probe.Store.ReadAsync("toutage/out/loss.csv", ct)).ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(l => long.Parse(l.Split(',')[0], CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(Enumerable.Range(1, Steps).Select(i => (long)i), steps); // no step lost, none twice
        await probe.AuditAsync("toutage/out", ct);
    }

    public void Dispose()
    {
        _worker?.Dispose();
        _azurite.Dispose();
        _cache.Delete(recursive: true);
    }
}
