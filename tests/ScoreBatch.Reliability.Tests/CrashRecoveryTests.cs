using System.Globalization;
using System.Text.RegularExpressions;
using ScoreBatch.Jobs.Training;
using ScoreBatch.Reliability.Tests.Support;
using ScoreBatch.Storage.Status;
using ScoreBatch.Tests.Shared;

namespace ScoreBatch.Reliability.Tests;

/// <summary>
/// Training jobs on real `scorebatch worker` processes against Azurite, with the worker killed (-9) or terminated
/// (SIGTERM) in the middle: the job must end succeeded with exactly the requested steps, its loss curve complete,
/// and its outputs matching the manifest. Visibility 4 s, so a crashed worker's job returns in seconds.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class CrashRecoveryTests(AzuriteFixture azurite, ITestOutputHelper output) : IDisposable
{
    private const int Steps = 400;
    private const int CheckpointEvery = 20;
    private static readonly TimeSpan Visibility = TimeSpan.FromSeconds(4);

    private readonly string _queue = AzuriteFixture.UniqueName("crash");
    private readonly string _container = AzuriteFixture.UniqueName("train");
    private readonly DirectoryInfo _cache = Directory.CreateTempSubdirectory("scorebatch-crash-");
    private readonly List<WorkerProcess> _workers = [];

    private StorageProbe Probe => new(azurite.ConnectionString);
    private string Output => $"{_container}/run";

    private WorkerProcess StartWorker(string name)
    {
        var w = WorkerProcess.Start(name, WorkerProcess.FastSettings(azurite.ConnectionString, _queue, name, Path.Combine(_cache.FullName, name), Visibility),
            output.WriteLine);
        _workers.Add(w);
        return w;
    }

    private async Task SubmitTrainingAsync(CancellationToken ct)
    {
        await Probe.Store.WriteAsync($"{_container}/data/cutouts.npy", BinaryData.FromBytes(TinyPrior.Cutouts(64)), overwrite: true, ct);
        var body = "{\"schema\":1,\"id\":\"crash-train\",\"kind\":\"train\",\"input\":\"" + _container + "/data\",\"output\":\"" + Output
            + "\",\"params\":{\"size\":8,\"width\":16,\"blocks\":1,\"mlp_width\":32,\"batch\":16,\"steps\":" + Steps
            + ",\"checkpoint_every\":" + CheckpointEvery + ",\"log_every\":50,\"seed\":3,\"device\":\"cpu\"}}";
        await Probe.Queues.GetQueue(_queue).SendAsync(body, ct);
    }

    /// <summary>Step of checkpoints/latest.json, or 0 when there is none yet.</summary>
    private async Task<long> LatestStepAsync(CancellationToken ct)
    {
        var bytes = await Probe.Store.TryReadAsync($"{Output}/checkpoints/latest.json", ct);
        return bytes is null ? 0 : CheckpointPointer.Parse(bytes.Content.ToString(), "latest.json").Step;
    }

    private async Task<long> WaitForCheckpointAsync(WorkerProcess w, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            var step = await LatestStepAsync(ct);
            if (step >= CheckpointEvery) return step;
            if (w.HasExited) throw new InvalidOperationException($"worker exited before the first checkpoint:\n{w.Tail()}");
            await Task.Delay(30, ct);
        }
        throw new TimeoutException($"no checkpoint within 90 s:\n{w.Tail()}");
    }

    /// <summary>loss.csv as (step, loss text) rows.</summary>
    private async Task<IReadOnlyList<(long Step, string Loss)>> LossRowsAsync(CancellationToken ct)
    {
        var text = (await Probe.Store.ReadAsync($"{Output}/loss.csv", ct)).ToString();
        return [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(l => l.Split(','))
            .Select(p => (long.Parse(p[0], CultureInfo.InvariantCulture), p[1]))];
    }

    /// <summary>Succeeded with exactly <see cref="Steps"/> steps, a complete loss curve and a manifest that matches the files.</summary>
    private async Task AssertFinishedCleanlyAsync(IReadOnlyList<(long Step, string Loss)> before, CancellationToken ct)
    {
        var manifest = await Probe.AuditAsync(Output, ct);
        var rows = await LossRowsAsync(ct);
        Assert.Equal(Enumerable.Range(1, Steps).Select(i => (long)i), rows.Select(r => r.Step)); // no gap, no duplicate
        // The first worker's losses are kept as they were: the second one resumed, it did not start over.
        Assert.Equal(before, rows.Take(before.Count));
        using var model = (await Probe.Store.ReadAsync($"{Output}/model.ckpt", ct)).ToStream();
        Assert.Equal(Steps, Checkpoint.Load(model, "model.ckpt").Header.Step);
        var expected = Enumerable.Range(1, Steps / CheckpointEvery).Select(k => $"checkpoints/{CheckpointPointer.FileName(k * (long)CheckpointEvery)}");
        Assert.Subset(manifest.Files.Select(f => f.Path).ToHashSet(), expected.ToHashSet());
    }

    [Fact]
    public async Task TrainingJob_WorkerKilledHardMidRun_SecondWorkerResumesFromLatestCheckpointAfterVisibilityTimeout()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(170));
        var ct = timeout.Token;
        await SubmitTrainingAsync(ct);
        var first = StartWorker("victim");
        await WaitForCheckpointAsync(first, ct);
        first.KillHard();
        var resumeStep = await LatestStepAsync(ct);
        Assert.True(resumeStep < Steps, $"the first worker finished ({resumeStep} steps) before it was killed; raise Steps");
        var before = (await LossRowsAsync(ct)).Where(r => r.Step <= resumeStep).ToList();
        var second = StartWorker("rescuer");

        var status = await Probe.WaitForStatusAsync(Output, s => s.State is JobState.Succeeded or JobState.Failed, TimeSpan.FromSeconds(120), ct, () => second.Tail());

        Assert.Equal((JobState.Succeeded, 2, "rescuer"), (status.State, status.Attempt, status.WorkerId));
        await second.WaitForLineAsync("train: finished at step", TimeSpan.FromSeconds(5), ct);
        var resumedLine = second.Lines.Single(l => l.Contains("train: ", StringComparison.Ordinal) && l.Contains("from ", StringComparison.Ordinal));
        Assert.Contains($"step {resumeStep} of {Steps}, from {Output}/checkpoints/{CheckpointPointer.FileName(resumeStep)}", resumedLine, StringComparison.Ordinal);
        await AssertFinishedCleanlyAsync(before, ct);
        Assert.Equal(0, await Probe.Queues.GetQueue(_queue).ApproximateCountAsync(ct));
    }

    [Fact]
    public async Task TrainingJob_WorkerTerminatedMidRun_CheckpointWrittenMessageBackAtOnceSecondWorkerFinishes()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(170));
        var ct = timeout.Token;
        await SubmitTrainingAsync(ct);
        var first = StartWorker("evicted");
        var second = StartWorker("successor");
        await first.WaitForLineAsync("polling", TimeSpan.FromSeconds(60), ct);
        await second.WaitForLineAsync("polling", TimeSpan.FromSeconds(60), ct);
        // Both poll; whichever took the job is the one to evict.
        var status = await Probe.WaitForStatusAsync(Output, s => s.State == JobState.Running, TimeSpan.FromSeconds(60), ct);
        var (victim, other) = status.WorkerId == "evicted" ? (first, second) : (second, first);
        await WaitForCheckpointAsync(victim, ct);

        victim.Terminate();
        var terminatedAt = DateTime.UtcNow;
        Assert.True(await victim.WaitForExitAsync(TimeSpan.FromSeconds(20), ct), $"worker did not exit within 20 s of SIGTERM:\n{victim.Tail()}");
        Assert.Equal(0, victim.ExitCode);
        var snoozed = victim.Lines.Single(l => l.Contains("Job snoozed", StringComparison.Ordinal));
        // Read the step from the victim's own report: latest.json may already belong to the successor.
        var match = Regex.Match(snoozed, @"stopped at step (\d+) of (\d+); checkpoint (\S+) written");
        Assert.True(match.Success, snoozed);
        var stoppedStep = long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.Equal((Steps.ToString(CultureInfo.InvariantCulture), CheckpointPointer.FileName(stoppedStep)), (match.Groups[2].Value, match.Groups[3].Value));
        Assert.NotNull(await Probe.Store.GetInfoAsync($"{Output}/checkpoints/{CheckpointPointer.FileName(stoppedStep)}", ct));
        var before = (await LossRowsAsync(ct)).Where(r => r.Step <= stoppedStep).ToList();
        Assert.Equal(stoppedStep, before.Count);

        // Visibility 0 on snooze: the other worker has it well before the 4 s visibility timeout would have expired.
        await other.WaitForLineAsync($"step {stoppedStep} of {Steps}, from ", TimeSpan.FromSeconds(30), ct);
        Assert.True(DateTime.UtcNow - terminatedAt < Visibility, $"the message came back only after {DateTime.UtcNow - terminatedAt}");
        var done = await Probe.WaitForStatusAsync(Output, s => s.State is JobState.Succeeded or JobState.Failed, TimeSpan.FromSeconds(120), ct, () => other.Tail());
        Assert.Equal((JobState.Succeeded, 2), (done.State, done.Attempt));
        await AssertFinishedCleanlyAsync(before, ct);
    }

    public void Dispose()
    {
        foreach (var w in _workers) w.Dispose();
        _cache.Delete(recursive: true);
    }
}
