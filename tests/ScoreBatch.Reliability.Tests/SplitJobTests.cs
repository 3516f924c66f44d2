using System.Globalization;
using System.Text;
using ScoreBatch.Reliability.Tests.Support;
using ScoreBatch.Storage.Artifacts;
using ScoreBatch.Storage.Status;
using ScoreBatch.Tests.Shared;

namespace ScoreBatch.Reliability.Tests;

/// <summary>
/// Split score jobs (params.split) on Azurite: 8 stacks of 3 cutouts in parts of 2 files (4 children). The combined
/// outputs do not depend on how many worker processes ran the children, and hold the unsplit job's rows; redelivered
/// parents and children change nothing; a gather cut short by a fault is redone to the same bytes; a poisoned child
/// fails its parent by name; cancelling the parent cancels its children.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class SplitJobTests(AzuriteFixture azurite, ITestOutputHelper output) : IDisposable
{
    private const int Files = 8;
    private const int PerFile = 3;
    private const int Split = 2;
    private const int Parts = Files / Split;

    private readonly string _container = AzuriteFixture.UniqueName("split");
    private readonly TempFolder _cache = new();
    private readonly List<WorkerProcess> _workers = [];

    private StorageProbe Probe => new(azurite.ConnectionString);

    public void Dispose()
    {
        foreach (var w in _workers) w.Dispose();
        _cache.Dispose();
    }

    [Fact]
    public async Task SplitScoreJob_OneTwoOrFourWorkerProcesses_CombinedOutputsByteIdenticalAndHoldTheUnsplitRows()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(150));
        var ct = timeout.Token;
        var probe = Probe;
        await SplitJobs.UploadAsync(probe.Store, _container, Files, PerFile, ct);
        var runs = new Dictionary<int, SortedDictionary<string, byte[]>>();
        // One queue; the fleet grows from 1 to 2 to 4 processes between jobs (each job starts once all are polling).
        var queue = AzuriteFixture.UniqueName("split");
        var workers = new List<WorkerProcess>();
        foreach (var n in new[] { 1, 2, 4 })
        {
            var parent = $"{_container}/w{n}";
            while (workers.Count < n) workers.Add(StartWorker(queue, $"worker-{workers.Count}"));
            foreach (var w in workers) await w.WaitForLineAsync("polling", TimeSpan.FromSeconds(60), ct);
            await probe.Queues.GetQueue(queue).SendAsync(SplitJobs.ScoreJob($"split-w{n}", _container, parent, Split), ct);
            if (n == 1) await probe.Queues.GetQueue(queue).SendAsync(SplitJobs.ScoreJob("unsplit", _container, $"{_container}/whole", null), ct);
            var started = DateTime.UtcNow;
            var done = await probe.WaitForStatusAsync(parent, s => s.State is JobState.Succeeded or JobState.Failed, TimeSpan.FromSeconds(60), ct,
                () => string.Join('\n', workers.Select(w => w.Tail(15))));
            Assert.True(done.State == JobState.Succeeded, done.ToJson());
            Assert.Equal(Parts, done.Parts!.Total);
            Assert.Equal(Enumerable.Range(0, Parts), done.Parts.Succeeded);
            Assert.Equal(Files * PerFile, done.Parts.Cutouts);
            Assert.Null(done.Parts.Failed);
            Assert.Equal(new JobStatusProgress(Parts, Parts, "parts", $"{Files * PerFile} cutouts scored"), done.Progress);
            if (n == 1) await probe.WaitForStatusAsync($"{_container}/whole", s => s.State == JobState.Succeeded, TimeSpan.FromSeconds(30), ct);
            var childWorkers = new HashSet<string>();
            for (var p = 0; p < Parts; p++) childWorkers.Add((await probe.Status.GetAsync($"{parent}/parts/part-{p:D5}", ct))!.WorkerId!);
            output.WriteLine($"{n} worker(s): {(DateTime.UtcNow - started).TotalSeconds:F1} s, children run by {string.Join(", ", childWorkers.Order())}");

            // Exactly one gather wrote the parent's manifest, which lists the combined files and every child's manifest.
            var manifest = await ManifestWriter.ReadAsync(probe.Store, parent, ct);
            Assert.NotNull(manifest);
            Assert.Equal(["previews/histogram.png", "previews/rank-001_", "previews/rank-002_", "previews/rank-003_", "summary.csv"],
                manifest.Files.Where(f => !f.Path.StartsWith("parts/", StringComparison.Ordinal)).Select(f => f.Path.StartsWith("previews/rank", StringComparison.Ordinal) ? f.Path[..18] : f.Path));
            Assert.Equal(Enumerable.Range(0, Parts).Select(p => $"parts/part-{p:D5}/_SUCCESS"), manifest.Files.Where(f => f.Path.StartsWith("parts/", StringComparison.Ordinal)).Select(f => f.Path));
            runs[n] = await SplitJobs.OutputsAsync(probe.Store, parent, ct);
        }

        // Byte for byte the same combined outputs (and children's outputs) whatever the number of workers.
        foreach (var n in new[] { 2, 4 })
        {
            Assert.Equal(runs[1].Keys, runs[n].Keys);
            foreach (var (name, bytes) in runs[1]) Assert.True(bytes.AsSpan().SequenceEqual(runs[n][name]), $"{name} differs between 1 and {n} workers");
        }

        // The unsplit job's rows, ranked by max_abs_score (highest first, ties by id); its score maps byte for byte.
        var whole = await SplitJobs.OutputsAsync(probe.Store, $"{_container}/whole", ct);
        var (splitHeader, splitRows) = Lines(runs[1]["summary.csv"]);
        var (wholeHeader, wholeRows) = Lines(whole["summary.csv"]);
        Assert.Equal(wholeHeader, splitHeader);
        Assert.Equal(Files * PerFile, splitRows.Count);
        Assert.Equal(wholeRows.Order(StringComparer.Ordinal), splitRows.Order(StringComparer.Ordinal));
        var maxAbs = wholeHeader.Split(',').ToList().IndexOf("max_abs_score");
        var ranks = splitRows.Select(r => double.Parse(r.Split(',')[maxAbs], CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(ranks.OrderDescending(), ranks);
        for (var f = 0; f < Files; f++)
            Assert.True(whole[$"scores/f-{f:D2}.npy"].AsSpan().SequenceEqual(runs[1][$"parts/part-{f / Split:D5}/scores/f-{f:D2}.npy"]), $"score map of f-{f:D2} differs from the unsplit job's");
        // The unsplit job's previews are of the same cutouts (no ties in this data), so the same pictures.
        foreach (var name in whole.Keys.Where(k => k.StartsWith("previews/", StringComparison.Ordinal)))
            Assert.True(whole[name].AsSpan().SequenceEqual(runs[1][name]), $"{name} differs from the unsplit job's");
    }

    [Fact]
    public async Task SplitScoreJob_ParentAndChildRedelivered_NothingSentTwiceAndOutputsUnchanged()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var ct = timeout.Token;
        var probe = Probe;
        await SplitJobs.UploadAsync(probe.Store, _container, Files, PerFile, ct);
        var queue = AzuriteFixture.UniqueName("splitre");
        var parent = $"{_container}/again";
        var body = SplitJobs.ScoreJob("split-again", _container, parent, Split);
        await probe.Queues.GetQueue(queue).SendAsync(body, ct);
        await probe.Queues.GetQueue(queue).SendAsync(body, ct); // a second delivery of the parent (at-least-once)

        // Both copies of the parent, and nothing else: the second finds the plan and every child's status.
        using (var fanOut = SplitJobs.Host(azurite, queue, _cache.Path, "fan-out", new Dictionary<string, string?> { ["ScoreBatch:MaxJobs"] = "2", ["ScoreBatch:ExitWhenIdle"] = "false" }))
            await SplitJobs.RunToEndAsync(fanOut, ct);
        Assert.Equal(Parts, await probe.Queues.GetQueue(queue).ApproximateCountAsync(ct));
        var fannedOut = (await probe.Status.GetAsync(parent, ct))!;
        Assert.Equal((JobState.Running, Parts, 0), (fannedOut.State, fannedOut.Parts!.Total, fannedOut.Parts.Succeeded.Count));

        using (var worker = SplitJobs.Host(azurite, queue, _cache.Path, "children"))
            await SplitJobs.RunToEndAsync(worker, ct);
        var done = (await probe.Status.GetAsync(parent, ct))!;
        Assert.Equal(JobState.Succeeded, done.State);
        var manifest = await probe.AuditAsync(parent, ct, SplitOwnFiles);
        var outputs = await SplitJobs.OutputsAsync(probe.Store, parent, ct);

        // Late copies of a child and of the parent: acknowledged, nothing rewritten, the record as it was.
        var child = ScoreBatch.Worker.Runner.Split.SplitFanOut.ChildOf(ParseRequest(body), 1);
        await probe.Queues.GetQueue(queue).SendAsync(child.ToJson(), ct);
        await probe.Queues.GetQueue(queue).SendAsync(body, ct);
        using (var late = SplitJobs.Host(azurite, queue, _cache.Path, "late"))
            await SplitJobs.RunToEndAsync(late, ct);
        Assert.Equal(0, await probe.Queues.GetQueue(queue).ApproximateCountAsync(ct));
        Assert.Equal(manifest.ToJson(), (await ManifestWriter.ReadAsync(probe.Store, parent, ct))!.ToJson());
        var after = await SplitJobs.OutputsAsync(probe.Store, parent, ct);
        Assert.Equal(outputs.Keys, after.Keys);
        foreach (var (name, bytes) in outputs) Assert.True(bytes.AsSpan().SequenceEqual(after[name]), $"{name} changed");
        var final = (await probe.Status.GetAsync(parent, ct))!;
        Assert.Equal((JobState.Succeeded, Parts, (long)Files * PerFile, done.UpdatedAt), (final.State, final.Parts!.Succeeded.Count, final.Parts.Cutouts, final.UpdatedAt));
    }

    [Fact]
    public async Task SplitScoreJob_GatherInterruptedByFault_RedoneToTheSameOutputsOnce()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var ct = timeout.Token;
        var probe = Probe;
        await SplitJobs.UploadAsync(probe.Store, _container, Files, PerFile, ct);
        var queue = AzuriteFixture.UniqueName("splitfault");
        var (clean, faulted) = ($"{_container}/clean", $"{_container}/faulted");
        await probe.Queues.GetQueue(queue).SendAsync(SplitJobs.ScoreJob("split-clean", _container, clean, Split), ct);
        await probe.Queues.GetQueue(queue).SendAsync(SplitJobs.ScoreJob("split-faulted", _container, faulted, Split), ct);

        // The gather of "faulted" fails after summary.csv and the rank previews are written, before the histogram and _SUCCESS.
        FailOnceStore? store = null;
        using (var host = SplitJobs.Host(azurite, queue, _cache.Path, "faulty", wrap: s => store = new FailOnceStore(s, $"{faulted}/previews/histogram.png")))
            await SplitJobs.RunToEndAsync(host, ct);
        Assert.True(store!.Fired);

        var status = (await probe.Status.GetAsync(faulted, ct))!;
        Assert.Equal(JobState.Succeeded, status.State);
        await probe.AuditAsync(faulted, ct, SplitOwnFiles);
        var claim = (await probe.Store.ReadAsync($"{faulted}/_GATHER", ct)).ToString();
        Assert.Matches("\"jobId\":\"split-faulted/part-0000[0-3]\"", claim);
        var (a, b) = (await SplitJobs.OutputsAsync(probe.Store, clean, ct), await SplitJobs.OutputsAsync(probe.Store, faulted, ct));
        Assert.Equal(a.Keys, b.Keys);
        foreach (var (name, bytes) in a) Assert.True(bytes.AsSpan().SequenceEqual(b[name]), $"{name} differs after the redone gather");
    }

    [Fact]
    public async Task SplitScoreJob_PoisonedChild_ParentFailsNamingTheChildAndNoGather()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var ct = timeout.Token;
        var probe = Probe;
        await SplitJobs.UploadAsync(probe.Store, _container, 0, PerFile, ct);
        for (var i = 0; i < 4; i++)
            await probe.Store.WriteAsync($"{_container}/bad/f-{i:D2}.npy", BinaryData.FromBytes(i == 2 ? TinyPrior.CutoutWithPixel(float.NaN) : TinyPrior.Cutouts(PerFile, i)), overwrite: true, ct);
        var queue = AzuriteFixture.UniqueName("splitpoison");
        var parent = $"{_container}/poisoned";
        await probe.Queues.GetQueue(queue).SendAsync(SplitJobs.ScoreJob("split-poisoned", _container, parent, Split, input: "bad"), ct);
        using (var host = SplitJobs.Host(azurite, queue, _cache.Path, "poison"))
            await SplitJobs.RunToEndAsync(host, ct);

        var status = (await probe.Status.GetAsync(parent, ct))!;
        Assert.Equal(JobState.Failed, status.State);
        Assert.StartsWith("part split-poisoned/part-00001 failed: ", status.LastError, StringComparison.Ordinal);
        Assert.Contains("f-02.npy", status.LastError, StringComparison.Ordinal);
        Assert.Contains("must be finite", status.LastError, StringComparison.Ordinal);
        var failure = Assert.Single(status.Parts!.Failed!);
        Assert.Equal("split-poisoned/part-00001", failure.Id);
        Assert.Equal([0], status.Parts.Succeeded);
        Assert.Equal(JobState.Failed, (await probe.Status.GetAsync($"{parent}/parts/part-00001", ct))!.State);
        Assert.Null(await probe.Store.GetInfoAsync($"{parent}/_SUCCESS", ct));
        Assert.Null(await probe.Store.GetInfoAsync($"{parent}/_GATHER", ct));
    }

    [Fact]
    public async Task SplitScoreJob_CancelledAfterFanOut_ChildrenDroppedAndEveryStatusCancelled()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var ct = timeout.Token;
        var probe = Probe;
        await SplitJobs.UploadAsync(probe.Store, _container, Files, PerFile, ct);
        var queue = AzuriteFixture.UniqueName("splitcancel");
        var parent = $"{_container}/cancelled";
        await probe.Queues.GetQueue(queue).SendAsync(SplitJobs.ScoreJob("split-cancelled", _container, parent, Split), ct);
        using (var fanOut = SplitJobs.Host(azurite, queue, _cache.Path, "fan-out", new Dictionary<string, string?> { ["ScoreBatch:MaxJobs"] = "1", ["ScoreBatch:ExitWhenIdle"] = "false" }))
            await SplitJobs.RunToEndAsync(fanOut, ct);

        var result = await new ScoreBatch.Worker.Submission.JobCanceller(probe.Store, probe.Status, TimeProvider.System).CancelAsync(parent, "test", ct);
        Assert.Equal(new ScoreBatch.Worker.Submission.CancelResult("split-cancelled", JobState.Running, true), result);
        Assert.Equal(JobState.Cancelled, (await probe.Status.GetAsync(parent, ct))!.State);
        using (var worker = SplitJobs.Host(azurite, queue, _cache.Path, "children"))
            await SplitJobs.RunToEndAsync(worker, ct);

        Assert.Equal(0, await probe.Queues.GetQueue(queue).ApproximateCountAsync(ct));
        for (var p = 0; p < Parts; p++)
        {
            Assert.Equal(JobState.Cancelled, (await probe.Status.GetAsync($"{parent}/parts/part-{p:D5}", ct))!.State);
            Assert.Null(await probe.Store.GetInfoAsync($"{parent}/parts/part-{p:D5}/_SUCCESS", ct));
        }
        Assert.Equal(JobState.Cancelled, (await probe.Status.GetAsync(parent, ct))!.State);
        Assert.Null(await probe.Store.GetInfoAsync($"{parent}/_SUCCESS", ct));
    }

    /// <summary>What a split parent's manifest leaves out: the runner's files and the children's own outputs (their manifests stand for them).</summary>
    private static bool SplitOwnFiles(string relative) =>
        relative is "_SPLIT" or "_GATHER" || (relative.StartsWith("parts/", StringComparison.Ordinal) && !relative.EndsWith("/_SUCCESS", StringComparison.Ordinal));

    private static ScoreBatch.Jobs.Contracts.JobRequest ParseRequest(string body) =>
        new ScoreBatch.Worker.Runner.JobMessageParser(_ => true, () => ["score"]).Parse(body).Request!;

    private WorkerProcess StartWorker(string queue, string name)
    {
        var w = WorkerProcess.Start(name, WorkerProcess.FastSettings(azurite.ConnectionString, queue, name, Path.Combine(_cache.Path, name), TimeSpan.FromSeconds(20)), output.WriteLine);
        _workers.Add(w);
        return w;
    }

    private static (string Header, List<string> Rows) Lines(byte[] csv)
    {
        var lines = Encoding.UTF8.GetString(csv).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return (lines[0], [.. lines.Skip(1)]);
    }
}
