using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Storage.Abstractions;
using ScoreBatch.Storage.InMemory;
using ScoreBatch.Storage.Status;
using ScoreBatch.Worker.Hosting;
using ScoreBatch.Worker.Runner;
using ScoreBatch.Worker.Submission;

namespace ScoreBatch.Worker.Tests.Fakes;

/// <summary>The runner wired to in-memory storage, a fake clock and the fake handlers.</summary>
public sealed class RunnerHarness : IAsyncDisposable
{
    public const string Queue = "scorebatch-jobs";

    private readonly DirectoryInfo _cache = Directory.CreateTempSubdirectory("scorebatch-runner-");

    public RunnerHarness(Dictionary<string, string?>? settings = null)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ScoreBatch:CacheDirectory"] = _cache.FullName,
            ["ScoreBatch:WorkerId"] = "test-worker",
            ["ScoreBatch:ShutdownTimeout"] = "00:00:10",
        }.Concat(settings ?? [])).Build();
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Debug));
        services.AddSingleton<TimeProvider>(Time);
        services.AddSingleton<IJobQueueProvider>(Losing);
        services.AddSingleton<IArtifactStore>(Store);
        services.AddSingleton<IStatusStore>(new BlobStatusStore(Store, Polly.ResiliencePipeline.Empty));
        services.AddSingleton(Script);
        services.AddSingleton<IHostApplicationLifetime, TestLifetime>();
        services.AddScoreBatchWorker(config);
        services.AddJobHandler<FakeTrainHandler>();
        services.AddJobHandler<FakeScoreHandler>();
        Services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    public FakeTimeProvider Time { get; } = new(DateTimeOffset.Parse("2026-03-01T12:00:00Z", CultureInfo.InvariantCulture));
    public InMemoryArtifactStore Store => _store ??= new InMemoryArtifactStore(Time);
    public InMemoryJobQueueProvider Queues => _queues ??= new InMemoryJobQueueProvider(Time);
    public HandlerScript Script { get; } = new();

    /// <summary>The provider the runner uses: <see cref="Queues"/>, able to simulate losing a message to another worker.</summary>
    public LosingQueueProvider Losing => _losing ??= new LosingQueueProvider(Queues);
    public ServiceProvider Services { get; }

    public InMemoryJobQueue JobQueue => Queues.GetQueue(Queue);
    public InMemoryJobQueue PoisonQueue => Queues.GetQueue(Queue + "-poison");
    public IStatusStore Status => Services.GetRequiredService<IStatusStore>();
    public QueueRunner Runner => Services.GetServices<IHostedService>().OfType<QueueRunner>().Single();
    public JobExecutor Executor => Services.GetRequiredService<JobExecutor>();

    private InMemoryArtifactStore? _store;
    private InMemoryJobQueueProvider? _queues;
    private LosingQueueProvider? _losing;

    /// <summary>Bounds waits on the code under test in real time (never used to let fake time pass).</summary>
    public static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token;

    public static JobRequest Train(string id = "job-1", string output = "out/job-1") => new() { Id = id, Kind = "train", Output = output, Input = "galaxies/train" };

    public Task SubmitAsync(JobRequest request, bool base64 = false)
        => Services.GetRequiredService<JobSubmitter>().SubmitAsync(request, base64, Timeout);

    public async Task<JobStatus> StatusOf(string output) => await Status.GetAsync(output, Timeout) ?? throw new InvalidOperationException($"no status at {output}");

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        _cache.Delete(recursive: true);
    }

    private sealed class TestLifetime : IHostApplicationLifetime
    {
        private readonly CancellationTokenSource _stopping = new();
        public CancellationToken ApplicationStarted => CancellationToken.None;
        public CancellationToken ApplicationStopping => _stopping.Token;
        public CancellationToken ApplicationStopped => CancellationToken.None;
        public void StopApplication() => _stopping.Cancel();
    }
}
