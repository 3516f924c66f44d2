using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using ScoreBatch.Storage.Hosting;

namespace ScoreBatch.Tests.Shared;

/// <summary>
/// A real Azurite for integration tests. Uses an already running one when SCOREBATCH_AZURITE=running (with
/// SCOREBATCH_AZURITE_CONNECTION, or the default development storage); otherwise starts its own through
/// Infra/scripts/azurite.sh on free loopback ports, in its own process group, and stops that group at the end.
/// </summary>
public sealed class AzuriteFixture : IDisposable
{
    private readonly string? _stateDirectory;

    public AzuriteFixture()
    {
        if (Environment.GetEnvironmentVariable("SCOREBATCH_AZURITE") == "running")
        {
            ConnectionString = Environment.GetEnvironmentVariable("SCOREBATCH_AZURITE_CONNECTION") is { Length: > 0 } c
                ? c : StorageConnectionOptions.DevelopmentStorage;
            return;
        }
        var blobPort = AzuriteScript.FreePort();
        var queuePort = AzuriteScript.FreePort();
        _stateDirectory = Directory.CreateTempSubdirectory("scorebatch-azurite-").FullName;
        var (code, output) = AzuriteScript.Run("start", "--blob-port", blobPort.ToString(), "--queue-port", queuePort.ToString(), "--state", _stateDirectory);
        if (code != 0) throw new InvalidOperationException($"azurite.sh start failed ({code}):\n{output}");
        ConnectionString = AzuriteScript.ConnectionString(blobPort, queuePort);
    }

    /// <summary>Connection string for the emulator (the published development key only).</summary>
    public string ConnectionString { get; }

    public BlobServiceClient BlobService() => new(ConnectionString,
        new BlobClientOptions(StorageServiceCollectionExtensions.BlobServiceVersion) { Retry = { MaxRetries = 1 } });

    public QueueServiceClient QueueService() => new(ConnectionString,
        new QueueClientOptions(StorageServiceCollectionExtensions.QueueServiceVersion) { Retry = { MaxRetries = 1 } });

    /// <summary>A fresh lower-case name (container or queue) so tests never see each other's data.</summary>
    public static string UniqueName(string stem) => $"{stem}-{Guid.NewGuid():N}"[..Math.Min(stem.Length + 1 + 20, 63)];

    public void Dispose()
    {
        if (_stateDirectory is null) return;
        AzuriteScript.Run("stop", "--state", _stateDirectory);
        Directory.Delete(_stateDirectory, recursive: true);
    }
}

/// <summary>Tests in this collection share one Azurite.</summary>
[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}
