using System.Diagnostics;
using System.Net.Sockets;

namespace ScoreBatch.Worker.Demo;

/// <summary>Starts the pinned local Azurite through Infra/scripts/azurite.sh when the default ports do not answer.</summary>
internal static class AzuriteLauncher
{
    public const int BlobPort = 10000;
    public const int QueuePort = 10001;

    public static async Task<bool> AnswersAsync(CancellationToken ct)
        => await PortOpenAsync(BlobPort, ct).ConfigureAwait(false) && await PortOpenAsync(QueuePort, ct).ConfigureAwait(false);

    /// <summary>Runs "azurite.sh start|stop"; throws with the script's output when it fails.</summary>
    public static async Task RunScriptAsync(string verb, CancellationToken ct)
    {
        var script = FindScript() ?? throw new InvalidOperationException(
            "Azurite is not answering on 127.0.0.1:10000/10001 and Infra/scripts/azurite.sh was not found above "
            + $"{Environment.CurrentDirectory} or {AppContext.BaseDirectory}; start Azurite or pass --connection.");
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(script);
        psi.ArgumentList.Add(verb);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start bash");
        var output = await p.StandardOutput.ReadToEndAsync(ct).ConfigureAwait(false) + await p.StandardError.ReadToEndAsync(ct).ConfigureAwait(false);
        await p.WaitForExitAsync(ct).ConfigureAwait(false);
        if (p.ExitCode != 0) throw new InvalidOperationException($"azurite.sh {verb} failed ({p.ExitCode}): {output.Trim()}");
        Console.WriteLine(output.Trim());
    }

    private static async Task<bool> PortOpenAsync(int port, CancellationToken ct)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync("127.0.0.1", port, ct).ConfigureAwait(false);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static string? FindScript()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
            {
                var candidate = Path.Combine(d.FullName, "Infra", "scripts", "azurite.sh");
                if (File.Exists(candidate)) return candidate;
            }
        }
        return null;
    }
}
