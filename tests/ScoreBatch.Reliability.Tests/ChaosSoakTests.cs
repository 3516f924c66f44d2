using System.Globalization;
using System.Text;
using ScoreBatch.Reliability.Tests.Support;
using ScoreBatch.Storage.Status;
using ScoreBatch.Tests.Shared;
using ScoreBatch.Worker.Runner;

namespace ScoreBatch.Reliability.Tests;

/// <summary>
/// The soak: many small scoring jobs across two worker processes whose storage pipelines inject transient faults
/// and latency (Polly chaos strategies, ScoreBatch:Resilience:Chaos). Every job must succeed exactly once, none
/// may be lost or poisoned, and every manifest must match its files. Job count and fault rate can be raised with
/// SCOREBATCH_SOAK_JOBS and SCOREBATCH_SOAK_FAULT_RATE (defaults 200 and 0.1).
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ChaosSoakTests(AzuriteFixture azurite, ITestOutputHelper output) : IDisposable
{
    private readonly string _queue = AzuriteFixture.UniqueName("soak");
    private readonly string _container = AzuriteFixture.UniqueName("soak");
    private readonly DirectoryInfo _cache = Directory.CreateTempSubdirectory("scorebatch-soak-");
    private readonly List<WorkerProcess> _workers = [];

    private static int Jobs => int.Parse(Environment.GetEnvironmentVariable("SCOREBATCH_SOAK_JOBS") ?? "200", CultureInfo.InvariantCulture);

    private static double FaultRate => double.Parse(Environment.GetEnvironmentVariable("SCOREBATCH_SOAK_FAULT_RATE") ?? "0.1", CultureInfo.InvariantCulture);

    [Fact]
    public async Task Soak_ScoringJobsOnTwoWorkersWithInjectedStorageFaults_EverySucceededExactlyOnceNoneLost()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var ct = timeout.Token;
        var probe = new StorageProbe(azurite.ConnectionString);
        var model = $"{_container}/model/tiny.ckpt";
        await probe.Store.WriteAsync(model, BinaryData.FromBytes(TinyPrior.Checkpoint()), overwrite: true, ct);
        var queue = probe.Queues.GetQueue(_queue);
        string Output(int i) => $"{_container}/out/job-{i:D4}";
        await Parallel.ForAsync(0, Jobs, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (i, c) =>
        {
            await probe.Store.WriteAsync($"{_container}/in/job-{i:D4}.npy", BinaryData.FromBytes(TinyPrior.Cutouts(2, seed: i)), overwrite: true, c);
            await queue.SendAsync("{\"schema\":1,\"id\":\"soak-" + i.ToString("D4", CultureInfo.InvariantCulture) + "\",\"kind\":\"score\",\"input\":\""
                + $"{_container}/in/job-{i:D4}.npy\",\"output\":\"{Output(i)}\",\"model\":\"{model}\",\"params\":{{\"batch\":8,\"previews\":0}}}}", c);
        });
        var started = DateTime.UtcNow;

        foreach (var name in new[] { "soak-a", "soak-b" })
        {
            var settings = WorkerProcess.FastSettings(azurite.ConnectionString, _queue, name, Path.Combine(_cache.FullName, name), TimeSpan.FromSeconds(20));
            settings["ScoreBatch:Concurrency"] = "3";
            settings["ScoreBatch:ExitWhenIdle"] = "true";
            settings["ScoreBatch:Resilience:Chaos:Enabled"] = "true";
            settings["ScoreBatch:Resilience:Chaos:FaultRate"] = FaultRate.ToString(CultureInfo.InvariantCulture);
            settings["ScoreBatch:Resilience:Chaos:LatencyRate"] = "0.05";
            settings["ScoreBatch:Resilience:Chaos:Latency"] = "00:00:00.1";
            // Only warnings and up on the console: 200 jobs of information lines would drown the table.
            settings["Logging:LogLevel:Default"] = "Warning";
            settings["Logging:LogLevel:ScoreBatch.Worker.Runner.JobExecutor"] = "Information";
            _workers.Add(WorkerProcess.Start(name, settings));
        }
        foreach (var w in _workers)
            Assert.True(await w.WaitForExitAsync(TimeSpan.FromMinutes(4), ct), $"{w.Name} still running after 4 min:\n{w.Tail()}");
        var elapsed = DateTime.UtcNow - started;

        int succeeded = 0, lost = 0, duplicated = 0, redelivered = 0, statusRetries = 0;
        var problems = new List<string>();
        for (int i = 0; i < Jobs; i++)
        {
            var status = await probe.Status.GetAsync(Output(i), ct);
            var id = $"soak-{i:D4}";
            var successes = _workers.Sum(w => w.CountLines($"Job {id} succeeded"));
            if (status?.State == JobState.Succeeded) succeeded++;
            if (successes > 1) duplicated++;
            if (status is not null && status.Attempt > 1) redelivered++;
            statusRetries += status?.Retries ?? 0;
            try
            {
                var manifest = await probe.AuditAsync(Output(i), ct);
                Assert.Equal(["scores/job-" + i.ToString("D4", CultureInfo.InvariantCulture) + ".npy", "summary.csv"], manifest.Files.Select(f => f.Path));
            }
            catch (Exception e) when (e is InvalidOperationException or Xunit.Sdk.XunitException)
            {
                lost++;
                problems.Add($"{id}: {e.Message}");
            }
            if (status?.State != JobState.Succeeded || successes != 1) problems.Add($"{id}: state {status?.State}, succeeded logged {successes} time(s)");
        }
        var poisoned = (await probe.Queues.GetQueue(_queue + "-poison").ReceiveAsync(32, TimeSpan.FromSeconds(30), ct))
            .Select(m => PoisonEnvelope.FromJson(m.Body)).ToList();
        long faults = _workers.Sum(w => w.CountLines("Chaos: injected a transient fault"));
        long delays = _workers.Sum(w => w.CountLines("Chaos: injected"))- faults;
        long retries = _workers.Sum(w => w.CountLines("failed transiently; retry"));
        long attemptFailures = _workers.Sum(w => w.CountLines("failed; the message returns"));

        var table = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"Chaos soak: {Jobs} scoring jobs on 2 worker processes x 3 slots, fault rate {FaultRate:P0}, latency rate 5 % (100 ms), {elapsed.TotalSeconds:F1} s")
            .AppendLine("| jobs | faults injected | delays injected | pipeline retries | retries in status.json | attempts failed | redelivered | succeeded | poisoned | lost | duplicated |")
            .AppendLine("|---|---|---|---|---|---|---|---|---|---|---|")
            .AppendLine(CultureInfo.InvariantCulture, $"| {Jobs} | {faults} | {delays} | {retries} | {statusRetries} | {attemptFailures} | {redelivered} | {succeeded} | {poisoned.Count} | {lost} | {duplicated} |")
            .ToString();
        output.WriteLine(table);
        Console.WriteLine(table);
        foreach (var p in problems.Take(20)) output.WriteLine(p);
        foreach (var e in poisoned.Take(5)) output.WriteLine($"poisoned: {e.JobId}: {e.Reason}");

        Assert.All(_workers, w => Assert.Equal(0, w.ExitCode));
        Assert.True(faults > 0, "no fault was injected: the chaos configuration did not reach the workers");
        // Every injected fault is retried by its pipeline, except the few that hit an operation while its worker was
        // stopping (the idle receive loop or a slot's last status write, whose token is already cancelled): at most
        // one per slot and one per receive loop of each worker.
        const int stoppingSlack = 2 * (3 + 1);
        Assert.True(retries >= faults - attemptFailures - stoppingSlack, $"{faults} faults but only {retries} retries");
        Assert.Equal((Jobs, 0, 0, 0), (succeeded, poisoned.Count, lost, duplicated));
        Assert.Empty(problems);
    }

    public void Dispose()
    {
        foreach (var w in _workers) w.Dispose();
        _cache.Delete(recursive: true);
    }
}
