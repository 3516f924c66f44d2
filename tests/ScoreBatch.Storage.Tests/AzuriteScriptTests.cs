using Azure.Storage.Blobs;
using ScoreBatch.Storage.Azure;
using ScoreBatch.Storage.Hosting;
using ScoreBatch.Tests.Shared;

namespace ScoreBatch.Storage.Tests;

/// <summary>Infra/scripts/azurite.sh itself: start, status, stop, and disk-backed data surviving a restart.</summary>
public sealed class AzuriteScriptTests : IDisposable
{
    private readonly DirectoryInfo _state = Directory.CreateTempSubdirectory("scorebatch-azurite-state-");
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("scorebatch-azurite-data-");
    private readonly int _blobPort = AzuriteScript.FreePort();
    private readonly int _queuePort = AzuriteScript.FreePort();

    private (int Code, string Output) Script(string verb, bool withLocation = false)
        => withLocation
            ? AzuriteScript.Run(verb, "--blob-port", _blobPort.ToString(), "--queue-port", _queuePort.ToString(), "--state", _state.FullName,
                "--location", _data.FullName)
            : AzuriteScript.Run(verb, "--state", _state.FullName);

    [Fact]
    public async Task StartWithLocation_BlobWrittenThenRestart_BlobStillThereAndStopEndsProcess()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        Assert.Equal(0, Script("start", withLocation: true).Code);
        Assert.Equal(0, Script("status").Code);
        var store = new AzureBlobArtifactStore(new BlobServiceClient(AzuriteScript.ConnectionString(_blobPort, _queuePort),
            new BlobClientOptions(StorageServiceCollectionExtensions.BlobServiceVersion)));
        await store.WriteAsync("restart/a.txt", BinaryData.FromString("kept"), overwrite: false, timeout.Token);

        Assert.Equal(0, Script("stop").Code);
        Assert.Equal(3, Script("status").Code);
        Assert.Equal(0, Script("start", withLocation: true).Code);

        Assert.Equal("kept", (await store.ReadAsync("restart/a.txt", timeout.Token)).ToString());
    }

    public void Dispose()
    {
        Script("stop");
        _state.Delete(recursive: true);
        _data.Delete(recursive: true);
    }
}
