using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
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
    /// <summary>The emulator's published, well-known development account key (not a secret).</summary>
    private const string DevAccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly string? _stateDirectory;
    private readonly string _script;

    public AzuriteFixture()
    {
        _script = Path.Combine(RepositoryRoot(), "Infra", "scripts", "azurite.sh");
        if (Environment.GetEnvironmentVariable("SCOREBATCH_AZURITE") == "running")
        {
            ConnectionString = Environment.GetEnvironmentVariable("SCOREBATCH_AZURITE_CONNECTION") is { Length: > 0 } c
                ? c : StorageConnectionOptions.DevelopmentStorage;
            return;
        }
        var blobPort = FreePort();
        var queuePort = FreePort();
        _stateDirectory = Directory.CreateTempSubdirectory("scorebatch-azurite-").FullName;
        var (code, output) = RunScript("start", "--blob-port", blobPort.ToString(), "--queue-port", queuePort.ToString(), "--state", _stateDirectory);
        if (code != 0) throw new InvalidOperationException($"azurite.sh start failed ({code}):\n{output}");
        ConnectionString = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + DevAccountKey
            + $";BlobEndpoint=http://127.0.0.1:{blobPort}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{queuePort}/devstoreaccount1;";
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
        RunScript("stop", "--state", _stateDirectory);
        Directory.Delete(_stateDirectory, recursive: true);
    }

    private (int Code, string Output) RunScript(params string[] args)
    {
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(_script);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start bash");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(60))) throw new TimeoutException($"azurite.sh {args[0]} did not finish in 60 s");
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private static string RepositoryRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "ScoreBatch.sln"))) return d.FullName;
        }
        throw new InvalidOperationException($"ScoreBatch.sln not found above {AppContext.BaseDirectory}");
    }
}

/// <summary>Tests in this collection share one Azurite.</summary>
[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}
