using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ScoreBatch.Tests.Shared;

/// <summary>Runs Infra/scripts/azurite.sh for tests, and builds connection strings for the ports it was given.</summary>
public static class AzuriteScript
{
    /// <summary>The emulator's published, well-known development account key (not a secret).</summary>
    private const string DevAccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    public static string ConnectionString(int blobPort, int queuePort)
        => "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + DevAccountKey
            + $";BlobEndpoint=http://127.0.0.1:{blobPort}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{queuePort}/devstoreaccount1;";

    /// <summary>Runs the script with <paramref name="args"/>; returns its exit code and output.</summary>
    public static (int Code, string Output) Run(params string[] args)
    {
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(RepositoryRoot(), "Infra", "scripts", "azurite.sh"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start bash");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(60))) throw new TimeoutException($"azurite.sh {args[0]} did not finish in 60 s");
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public static string RepositoryRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "ScoreBatch.sln"))) return d.FullName;
        }
        throw new InvalidOperationException($"ScoreBatch.sln not found above {AppContext.BaseDirectory}");
    }
}
