using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ScoreBatch.Storage.Abstractions;
using ScoreBatch.Tests.Shared;
using ScoreBatch.Worker.Hosting;

namespace ScoreBatch.Reliability.Tests.Support;

/// <summary>
/// What the split-job tests share: input stacks and the tiny prior on Azurite, score job messages with or without
/// params.split, a real worker host in this process (optionally over a store wrapper that injects faults), and a job's
/// outputs as name -> bytes without the runner's own files.
/// </summary>
internal static class SplitJobs
{
    /// <summary>Files the runner writes for itself, never compared between runs (ids, workers, times).</summary>
    private static readonly HashSet<string> RunnerFiles = new(StringComparer.Ordinal) { "status.json", "_OWNER", "_SUCCESS", "_CANCEL", "_GATHER", "_SPLIT" };

    /// <summary>The model at "&lt;container&gt;/models/tiny.ckpt" and <paramref name="files"/> stacks of <paramref name="perFile"/> 8x8 cutouts under "&lt;container&gt;/data/".</summary>
    public static async Task UploadAsync(IArtifactStore store, string container, int files, int perFile, CancellationToken ct)
    {
        await store.WriteAsync($"{container}/models/tiny.ckpt", BinaryData.FromBytes(TinyPrior.Checkpoint()), overwrite: true, ct);
        for (var i = 0; i < files; i++)
            await store.WriteAsync($"{container}/data/f-{i:D2}.npy", BinaryData.FromBytes(TinyPrior.Cutouts(perFile, seed: i)), overwrite: true, ct);
    }

    /// <summary>A score job over "&lt;container&gt;/&lt;input&gt;" (params.split when <paramref name="split"/> is given).</summary>
    public static string ScoreJob(string id, string container, string output, int? split, int previews = 3, string input = "data") =>
        "{\"schema\":1,\"id\":\"" + id + "\",\"kind\":\"score\",\"input\":\"" + container + "/" + input + "\",\"output\":\"" + output
        + "\",\"model\":\"" + container + "/models/tiny.ckpt\",\"params\":{\"device\":\"cpu\",\"previews\":" + previews.ToString(CultureInfo.InvariantCulture)
        + (split is { } n ? ",\"split\":" + n.ToString(CultureInfo.InvariantCulture) : "") + "}}";

    /// <summary>Every file under <paramref name="output"/> but the runner's own (at any depth), relative name -> bytes.</summary>
    public static async Task<SortedDictionary<string, byte[]>> OutputsAsync(IArtifactStore store, string output, CancellationToken ct)
    {
        var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        await foreach (var info in store.ListAsync(output + "/", ct))
        {
            var name = info.Path[(output.Length + 1)..];
            if (RunnerFiles.Contains(name[(name.LastIndexOf('/') + 1)..])) continue;
            files[name] = (await store.ReadAsync(info.Path, ct)).ToArray();
        }
        return files;
    }

    /// <summary>
    /// A worker host on Azurite in this process, on <paramref name="queue"/>, fast polling and retries, CPU;
    /// <paramref name="wrap"/> replaces the artifact store the runner and handlers use (the status store included).
    /// </summary>
    public static IHost Host(AzuriteFixture azurite, string queue, string cache, string workerId, IReadOnlyDictionary<string, string?>? settings = null,
        Func<IArtifactStore, IArtifactStore>? wrap = null)
    {
        var all = new Dictionary<string, string?>
        {
            ["ScoreBatch:Storage:ConnectionString"] = azurite.ConnectionString,
            ["ScoreBatch:QueueName"] = queue,
            ["ScoreBatch:ExitWhenIdle"] = "true",
            ["ScoreBatch:MinPollDelay"] = "00:00:00.05",
            ["ScoreBatch:MaxPollDelay"] = "00:00:00.2",
            ["ScoreBatch:RetryBaseDelay"] = "00:00:00.2",
            ["ScoreBatch:CacheDirectory"] = cache,
            ["ScoreBatch:WorkerId"] = workerId,
            ["ScoreBatch:Device"] = "cpu",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>()) all[k] = v;
        var builder = WorkerHost.CreateBuilder(all);
        if (wrap is not null)
        {
            var original = builder.Services.Last(d => d.ServiceType == typeof(IArtifactStore));
            builder.Services.Remove(original);
            builder.Services.AddSingleton(sp => wrap(original.ImplementationFactory is { } f ? (IArtifactStore)f(sp)
                : original.ImplementationInstance as IArtifactStore ?? (IArtifactStore)ActivatorUtilities.CreateInstance(sp, original.ImplementationType!)));
        }
        return builder.Build();
    }

    /// <summary>Starts <paramref name="host"/> and waits until it stops by itself (ExitWhenIdle or MaxJobs).</summary>
    public static async Task RunToEndAsync(IHost host, CancellationToken ct)
    {
        await host.StartAsync(ct);
        await host.WaitForShutdownAsync(ct);
    }
}

/// <summary>The store a host uses, with one injected failure: the first write to <paramref name="failPath"/> throws (a
/// gather cut short after some of its files are written); every other call goes through unchanged.</summary>
internal sealed class FailOnceStore(IArtifactStore inner, string failPath) : IArtifactStore
{
    private int _failed;

    /// <summary>Whether the fault fired.</summary>
    public bool Fired => Volatile.Read(ref _failed) == 1;

    public IAsyncEnumerable<ArtifactInfo> ListAsync(string prefix, CancellationToken cancellationToken) => inner.ListAsync(prefix, cancellationToken);

    public Task<BinaryData> ReadAsync(string path, CancellationToken cancellationToken) => inner.ReadAsync(path, cancellationToken);

    public Task<ArtifactContent?> TryReadAsync(string path, CancellationToken cancellationToken) => inner.TryReadAsync(path, cancellationToken);

    public Task<ArtifactInfo?> GetInfoAsync(string path, CancellationToken cancellationToken) => inner.GetInfoAsync(path, cancellationToken);

    public Task<bool> WriteAsync(string path, BinaryData content, bool overwrite, CancellationToken cancellationToken) =>
        path == failPath && Interlocked.CompareExchange(ref _failed, 1, 0) == 0
            ? throw new IOException($"injected fault writing {path}")
            : inner.WriteAsync(path, content, overwrite, cancellationToken);

    public Task<string?> WriteConditionalAsync(string path, BinaryData content, string? ifMatchETag, CancellationToken cancellationToken) =>
        inner.WriteConditionalAsync(path, content, ifMatchETag, cancellationToken);

    public Task<bool> DeleteAsync(string path, CancellationToken cancellationToken) => inner.DeleteAsync(path, cancellationToken);
}
