using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ScoreBatch.Reliability.Tests.Support;

/// <summary>
/// An Azurite of its own with its data on disk (Infra/scripts/azurite.sh --location), so a test can stop it and
/// start it again on the same ports with the same blobs and messages: a storage outage. The shared in-memory
/// fixture cannot be stopped without breaking the other tests, hence this one. Dispose stops it and deletes its data.
/// </summary>
public sealed class DiskAzurite : IDisposable
{
    private const string DevAccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("scorebatch-disk-azurite-");
    private readonly int _blobPort = FreePort();
    private readonly int _queuePort = FreePort();
    private readonly string _script;

    public DiskAzurite()
    {
        _script = FindScript();
        ConnectionString = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + DevAccountKey
            + $";BlobEndpoint=http://127.0.0.1:{_blobPort}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{_queuePort}/devstoreaccount1;";
        Start();
    }

    public string ConnectionString { get; }

    public void Start() => Run("start", "--blob-port", _blobPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "--queue-port", _queuePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "--location", Path.Combine(_root.FullName, "data"), "--state", Path.Combine(_root.FullName, "state"));

    public void Stop() => Run("stop", "--state", Path.Combine(_root.FullName, "state"));

    public void Dispose()
    {
        Stop();
        _root.Delete(recursive: true);
    }

    private void Run(params string[] args)
    {
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(_script);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start bash");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(60))) throw new TimeoutException($"azurite.sh {args[0]} did not finish in 60 s");
        if (p.ExitCode != 0) throw new InvalidOperationException($"azurite.sh {args[0]} failed ({p.ExitCode}):\n{stdout.Result}{stderr.Result}");
    }

    private static string FindScript()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            var candidate = Path.Combine(d.FullName, "Infra", "scripts", "azurite.sh");
            if (File.Exists(candidate) && File.Exists(Path.Combine(d.FullName, "ScoreBatch.sln"))) return candidate;
        }
        throw new InvalidOperationException($"Infra/scripts/azurite.sh not found above {AppContext.BaseDirectory}");
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
