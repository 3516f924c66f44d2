using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Registry;
using ScoreBatch.Storage.Abstractions;
using ScoreBatch.Storage.Azure;
using ScoreBatch.Storage.Local;
using ScoreBatch.Storage.Resilience;
using ScoreBatch.Storage.Status;

namespace ScoreBatch.Storage.Hosting;

/// <summary>The Storage project's one registration entry point.</summary>
public static class StorageServiceCollectionExtensions
{
    /// <summary>Service version pinned for both clients: one Azurite 3.37 accepts (it also runs with --skipApiVersionCheck).</summary>
    public const BlobClientOptions.ServiceVersion BlobServiceVersion = BlobClientOptions.ServiceVersion.V2026_06_06;
    public const QueueClientOptions.ServiceVersion QueueServiceVersion = QueueClientOptions.ServiceVersion.V2026_06_06;

    /// <summary>
    /// Registers the Azure clients (once, through the Azure client factory), the queue provider, the artifact store,
    /// the status store, all wrapped in the named resilience pipelines.
    /// </summary>
    public static IServiceCollection AddScoreBatchStorage(this IServiceCollection services, IConfiguration configuration)
    {
        var connection = configuration.GetSection(StorageConnectionOptions.SectionName).Get<StorageConnectionOptions>() ?? new();
        var resilience = configuration.GetSection(StorageResilienceOptions.SectionName).Get<StorageResilienceOptions>() ?? new();
        services.Configure<StorageConnectionOptions>(configuration.GetSection(StorageConnectionOptions.SectionName));

        services.AddAzureClients(clients =>
        {
            var blob = connection.BlobServiceUri is not null
                ? clients.AddBlobServiceClient(connection.BlobServiceUri)
                : clients.AddBlobServiceClient(connection.ConnectionString);
            // Single requests are retried by the SDK, set low; whole operations by the resilience pipelines.
            void SdkRetries(global::Azure.Core.ClientOptions o)
            {
                o.Retry.MaxRetries = resilience.SdkMaxRetries;
                o.Retry.NetworkTimeout = resilience.SdkNetworkTimeout;
            }
            blob.WithVersion(BlobServiceVersion).ConfigureOptions(SdkRetries);
            var queue = connection.QueueServiceUri is not null
                ? clients.AddQueueServiceClient(connection.QueueServiceUri)
                : clients.AddQueueServiceClient(connection.ConnectionString);
            queue.WithVersion(QueueServiceVersion).ConfigureOptions(o =>
            {
                SdkRetries(o);
                o.MessageEncoding = QueueMessageEncoding.None;
            });
            if (connection.UsesTokenCredential) clients.UseCredential(new DefaultAzureCredential());
        });

        services.AddScoreBatchResilience(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IJobQueueProvider>(sp => new ResilientJobQueueProvider(
            new AzureJobQueueProvider(sp.GetRequiredService<QueueServiceClient>()), Pipeline(sp, ResiliencePipelineNames.Queue)));
        services.TryAddSingleton<IArtifactStore>(sp =>
        {
            IArtifactStore raw = connection.LocalArtifactRoot is { Length: > 0 } root
                ? new LocalFolderArtifactStore(root)
                : new AzureBlobArtifactStore(sp.GetRequiredService<BlobServiceClient>());
            return new ResilientArtifactStore(raw, Pipeline(sp, ResiliencePipelineNames.BlobRead), Pipeline(sp, ResiliencePipelineNames.BlobWrite));
        });
        // Every status write also refreshes the job's index entry (for `scorebatch jobs` and `status <id>`).
        services.TryAddSingleton<IStatusStore>(sp => new IndexedStatusStore(
            new BlobStatusStore(RawStore(sp), Pipeline(sp, ResiliencePipelineNames.Status)), sp.GetRequiredService<IArtifactStore>()));
        return services;
    }

    /// <summary>
    /// Registers the four named pipelines ("blob-read", "blob-write", "status", "queue") from section
    /// "ScoreBatch:Resilience". Resolve them with <c>ResiliencePipelineProvider&lt;string&gt;</c>.
    /// </summary>
    public static IServiceCollection AddScoreBatchResilience(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<StorageResilienceOptions>(configuration.GetSection(StorageResilienceOptions.SectionName));
        foreach (var name in ResiliencePipelineNames.All)
        {
            services.AddResiliencePipeline(name, (builder, context) =>
            {
                var sp = context.ServiceProvider;
                StoragePipelineConfigurator.Configure(builder, name,
                    sp.GetRequiredService<IOptions<StorageResilienceOptions>>().Value,
                    sp.GetService<TimeProvider>() ?? TimeProvider.System,
                    sp.GetService<ILoggerFactory>()?.CreateLogger("ScoreBatch.Storage.Resilience") ?? NullLogger.Instance);
            });
        }
        return services;
    }

    private static ResiliencePipeline Pipeline(IServiceProvider sp, string name)
        => sp.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline(name);

    // The status store runs whole read-modify-write rounds in its own pipeline; it wraps the unwrapped store so
    // that blob retries and status retries do not multiply.
    private static IArtifactStore RawStore(IServiceProvider sp)
        => sp.GetRequiredService<IArtifactStore>() is ResilientArtifactStore r ? r.Inner : sp.GetRequiredService<IArtifactStore>();
}
