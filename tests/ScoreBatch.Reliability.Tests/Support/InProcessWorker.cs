using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ScoreBatch.Jobs.Kinds.Score;
using ScoreBatch.Jobs.Kinds.Train;
using ScoreBatch.Storage.Abstractions;
using ScoreBatch.Storage.InMemory;
using ScoreBatch.Storage.Status;
using ScoreBatch.Worker.Hosting;
using ScoreBatch.Worker.Runner;

namespace ScoreBatch.Reliability.Tests.Support;

/// <summary>
/// The real executor and the real score and train handlers on in-memory storage and the system clock: fast enough to push
/// dozens of hostile messages through, each next to a good job. Limits are set low so that limit cases stay tiny:
/// cutouts up to 64 px, 50 cutouts per job, 256 KiB per file.
/// </summary>
public sealed class InProcessWorker : IAsyncDisposable
{
    public const string QueueName = "reliability-jobs";
    public const string Inputs = "jobs-in";
    public const string Outputs = "jobs-out";
    public const string Models = "models";
    public const string ModelPath = Models + "/tiny.ckpt";

    private readonly DirectoryInfo _cache = Directory.CreateTempSubdirectory("scorebatch-reliability-");

    public InProcessWorker(IReadOnlyDictionary<string, string?>? settings = null)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ScoreBatch:QueueName"] = QueueName,
            ["ScoreBatch:CacheDirectory"] = _cache.FullName,
            ["ScoreBatch:WorkerId"] = "in-process",
            ["ScoreBatch:VisibilityTimeout"] = "00:00:30",
            ["ScoreBatch:RetryBaseDelay"] = "00:00:00",
            ["ScoreBatch:MaxAttempts"] = "2",
            ["ScoreBatch:Device"] = "cpu",
            ["ScoreBatch:Limits:MaxCutoutSize"] = "64",
            ["ScoreBatch:Limits:MaxCutoutsPerJob"] = "50",
            ["ScoreBatch:Limits:MaxDownloadBytesPerFile"] = (256 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture),
        }.Concat(settings ?? new Dictionary<string, string?>())).Build();
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(Logs));
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<IJobQueueProvider>(Queues);
        services.AddSingleton<IArtifactStore>(Store);
        services.AddSingleton<IStatusStore>(new BlobStatusStore(Store, Polly.ResiliencePipeline.Empty));
        services.AddScoreBatchWorker(config);
        services.AddJobHandler<ScoreJobHandler>();
        services.AddJobHandler<TrainJobHandler>(); // its params are validated; no corpus case trains
        Services = services.BuildServiceProvider();
    }

    public CapturedLogs Logs { get; } = new();
    public InMemoryArtifactStore Store { get; } = new(TimeProvider.System);
    public InMemoryJobQueueProvider Queues { get; } = new(TimeProvider.System);
    public ServiceProvider Services { get; }
    public InMemoryJobQueue Queue => Queues.GetQueue(QueueName);
    public InMemoryJobQueue Poison => Queues.GetQueue(QueueName + "-poison");
    public IStatusStore Status => Services.GetRequiredService<IStatusStore>();
    public JobExecutor Executor => Services.GetRequiredService<JobExecutor>();

    /// <summary>The tiny prior at <see cref="ModelPath"/> and <paramref name="files"/> 3-cutout .npy files under "jobs-in/good/".</summary>
    public async Task SeedGoodAsync(CancellationToken ct, int files = 2)
    {
        await Store.WriteAsync(ModelPath, BinaryData.FromBytes(TinyPrior.Checkpoint()), overwrite: true, ct);
        for (int i = 0; i < files; i++)
            await Store.WriteAsync($"{Inputs}/good/part-{i}.npy", BinaryData.FromBytes(TinyPrior.Cutouts(3, seed: i)), overwrite: true, ct);
    }

    /// <summary>A well-formed score job over "jobs-in/good" writing to "jobs-out/&lt;id&gt;"; previews off (PNG rendering costs
    /// about a second per job and is not what these tests exercise).</summary>
    public static string GoodScoreJob(string id) =>
        "{\"schema\":1,\"id\":\"" + id + "\",\"kind\":\"score\",\"input\":\"" + Inputs + "/good\",\"output\":\"" + Outputs + "/" + id
        + "\",\"model\":\"" + ModelPath + "\",\"params\":{\"batch\":4,\"previews\":0}}";

    /// <summary>Receives and processes messages until none is visible; returns how many were processed.</summary>
    public async Task<int> DrainAsync(CancellationToken ct)
    {
        int processed = 0;
        while (true)
        {
            var messages = await Queue.ReceiveAsync(1, TimeSpan.FromSeconds(30), ct);
            if (messages.Count == 0) return processed;
            await Executor.ProcessAsync(messages[0], ct);
            processed++;
        }
    }

    /// <summary>Every message in the poison queue, parsed.</summary>
    public async Task<IReadOnlyList<PoisonEnvelope>> PoisonedAsync(CancellationToken ct)
    {
        var list = new List<PoisonEnvelope>();
        foreach (var m in await Poison.ReceiveAsync(32, TimeSpan.FromMinutes(1), ct)) list.Add(PoisonEnvelope.FromJson(m.Body));
        return list;
    }

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        _cache.Delete(recursive: true);
    }
}
