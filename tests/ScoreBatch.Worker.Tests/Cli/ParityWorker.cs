using Microsoft.Extensions.Hosting;
using ScoreBatch.Storage.Abstractions;
using ScoreBatch.Tests.Shared;
using ScoreBatch.Worker.Hosting;

namespace ScoreBatch.Worker.Tests.Cli;

/// <summary>What the CLI/queue parity tests share: a real worker host on Azurite that stops when its queue is idle, and
/// the outputs of a job as name -> bytes, from a folder or from storage (without the runner's own files).</summary>
internal static class ParityWorker
{
    public static IHost Build(AzuriteFixture azurite, string queue, string root, string workerId) => WorkerHost.CreateBuilder(new Dictionary<string, string?>
    {
        ["ScoreBatch:Storage:ConnectionString"] = azurite.ConnectionString,
        ["ScoreBatch:QueueName"] = queue,
        ["ScoreBatch:ExitWhenIdle"] = "true",
        ["ScoreBatch:MinPollDelay"] = "00:00:00.05",
        ["ScoreBatch:MaxPollDelay"] = "00:00:00.2",
        ["ScoreBatch:CacheDirectory"] = Path.Combine(root, "cache"),
        ["ScoreBatch:WorkerId"] = workerId,
        ["ScoreBatch:Device"] = "cpu",
    }).Build();

    public static Dictionary<string, byte[]> ReadFolder(string folder) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(folder, f).Replace(Path.DirectorySeparatorChar, '/'), File.ReadAllBytes, StringComparer.Ordinal);

    public static async Task<Dictionary<string, byte[]>> DownloadAsync(IArtifactStore store, string prefix, CancellationToken ct)
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        await foreach (var info in store.ListAsync(prefix + "/", ct))
        {
            var name = info.Path[(prefix.Length + 1)..];
            if (name is "status.json" or "_OWNER" or "_SUCCESS" or "_CANCEL") continue;
            files[name] = (await store.ReadAsync(info.Path, ct)).ToArray();
        }
        return files;
    }
}
