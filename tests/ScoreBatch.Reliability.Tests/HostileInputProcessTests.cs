using System.Globalization;
using ScoreBatch.Reliability.Tests.Support;
using ScoreBatch.Storage.Abstractions;
using ScoreBatch.Storage.Status;
using ScoreBatch.Tests.Shared;
using ScoreBatch.Worker.Runner;

namespace ScoreBatch.Reliability.Tests;

/// <summary>
/// A representative handful of the hostile corpus through a real `scorebatch worker` process on Azurite, mixed
/// with good jobs: the process keeps serving, every good job succeeds and every bad one is poisoned naming its
/// field. (The whole corpus runs in-process in <see cref="HostileInputTests"/>.)
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class HostileInputProcessTests(AzuriteFixture azurite, ITestOutputHelper output) : IDisposable
{
    private static readonly string[] Sample =
    [
        "malformed-json", "base64-garbage", "unknown-kind", "output-dot-dot", "steps-10e12", "header-10e12-elements",
        "object-dtype", "nan-pixel", "model-other-architecture", "model-is-a-directory", "file-over-download-limit",
    ];

    private readonly string _queue = AzuriteFixture.UniqueName("hostile");
    private readonly TempFolder _cache = new();
    private WorkerProcess? _worker;

    [Fact]
    public async Task WorkerProcess_HostileMessagesBetweenGoodJobs_AllBadPoisonedGoodSucceededProcessExitsCleanly()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(150));
        var ct = timeout.Token;
        var probe = new StorageProbe(azurite.ConnectionString);
        // The corpus names fixed containers; a run id in the output keeps reruns on a long-lived Azurite apart.
        var run = Guid.NewGuid().ToString("N")[..8];
        await probe.Store.WriteAsync(InProcessWorker.ModelPath, BinaryData.FromBytes(TinyPrior.Checkpoint()), overwrite: true, ct);
        for (int i = 0; i < 2; i++)
            await probe.Store.WriteAsync($"{InProcessWorker.Inputs}/good/part-{i}.npy", BinaryData.FromBytes(TinyPrior.Cutouts(3, seed: i)), overwrite: true, ct);
        var queue = probe.Queues.GetQueue(_queue);
        var expected = new Dictionary<string, HostileCase>();
        for (int i = 0; i < Sample.Length; i++)
        {
            var c = HostileInputCorpus.Cases[Sample[i]];
            var output = $"{HostileInputCorpus.BadOutput}-{run}-{i}";
            var body = c.Body.Replace(HostileInputCorpus.BadOutput, output, StringComparison.Ordinal)
                .Replace(HostileInputCorpus.BadInputs, $"{HostileInputCorpus.BadInputs}-{run}-{i}", StringComparison.Ordinal);
            if (c.Seed is not null) await c.Seed(new RenamingStore(probe.Store, HostileInputCorpus.BadInputs, $"{HostileInputCorpus.BadInputs}-{run}-{i}"), ct);
            await queue.SendAsync(InProcessWorker.GoodScoreJob($"good-{run}-{i}"), ct);
            await queue.SendAsync(body, ct);
            expected[body] = c with { Field = c.Field.Replace(HostileInputCorpus.BadInputs, $"{HostileInputCorpus.BadInputs}-{run}-{i}", StringComparison.Ordinal) };
        }
        await queue.SendAsync(InProcessWorker.GoodScoreJob($"good-{run}-last"), ct);

        var settings = WorkerProcess.FastSettings(azurite.ConnectionString, _queue, "hostile-worker", _cache.Path, TimeSpan.FromSeconds(20));
        settings["ScoreBatch:ExitWhenIdle"] = "true";
        settings["ScoreBatch:Limits:MaxCutoutSize"] = "64";
        settings["ScoreBatch:Limits:MaxCutoutsPerJob"] = "50";
        settings["ScoreBatch:Limits:MaxDownloadBytesPerFile"] = (256 * 1024).ToString(CultureInfo.InvariantCulture);
        _worker = WorkerProcess.Start("hostile-worker", settings);
        Assert.True(await _worker.WaitForExitAsync(TimeSpan.FromSeconds(120), ct), _worker.Tail());
        Assert.Equal(0, _worker.ExitCode);

        var poisoned = (await probe.Queues.GetQueue(_queue + "-poison").ReceiveAsync(32, TimeSpan.FromSeconds(30), ct)).Select(m => PoisonEnvelope.FromJson(m.Body)).ToList();
        Assert.Equal(Sample.Length, poisoned.Count);
        foreach (var p in poisoned)
        {
            var c = expected[p.Body];
            output.WriteLine($"{p.Field}: {p.Reason}");
            Assert.Equal(c.Field, p.Field);
            Assert.Contains(c.Fragment, p.Reason, StringComparison.Ordinal);
        }
        foreach (var id in Enumerable.Range(0, Sample.Length).Select(i => i.ToString(CultureInfo.InvariantCulture)).Append("last"))
        {
            var status = await probe.Status.GetAsync($"{InProcessWorker.Outputs}/good-{run}-{id}", ct);
            Assert.Equal(JobState.Succeeded, status?.State);
            await probe.AuditAsync($"{InProcessWorker.Outputs}/good-{run}-{id}", ct);
        }
    }

    public void Dispose()
    {
        _worker?.Dispose();
        _cache.Dispose();
    }

    /// <summary>Writes under <paramref name="to"/> what a corpus seed writes under <paramref name="from"/>.</summary>
    private sealed class RenamingStore(IArtifactStore inner, string from, string to) : IArtifactStore
    {
        private string Map(string path) => path.StartsWith(from + "/", StringComparison.Ordinal) ? to + path[from.Length..] : path;

        public IAsyncEnumerable<ArtifactInfo> ListAsync(string prefix, CancellationToken cancellationToken) => inner.ListAsync(Map(prefix), cancellationToken);

        public Task<BinaryData> ReadAsync(string path, CancellationToken cancellationToken) => inner.ReadAsync(Map(path), cancellationToken);

        public Task<ArtifactContent?> TryReadAsync(string path, CancellationToken cancellationToken) => inner.TryReadAsync(Map(path), cancellationToken);

        public Task<ArtifactInfo?> GetInfoAsync(string path, CancellationToken cancellationToken) => inner.GetInfoAsync(Map(path), cancellationToken);

        public Task<bool> WriteAsync(string path, BinaryData content, bool overwrite, CancellationToken cancellationToken)
            => inner.WriteAsync(Map(path), content, overwrite, cancellationToken);

        public Task<string?> WriteConditionalAsync(string path, BinaryData content, string? ifMatchETag, CancellationToken cancellationToken)
            => inner.WriteConditionalAsync(Map(path), content, ifMatchETag, cancellationToken);

        public Task<bool> DeleteAsync(string path, CancellationToken cancellationToken) => inner.DeleteAsync(Map(path), cancellationToken);
    }
}
