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
