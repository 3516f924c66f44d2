using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using ScoreBatch.Tests.Shared;

namespace ScoreBatch.Bench;

/// <summary>
/// Issue 14's benchmark: one split score job (params.split) of N 32² cutouts run by 1, 2 and 4 `scorebatch worker`
/// processes against one private Azurite. For each fleet size it submits the same job (own id and output), starts the
/// workers with --exit-when-idle (they leave once the gather has deleted the last message) and reports the wall time
/// from submit to the last exit, cutouts/s, the gather's seconds and share (from its "gathered ... in X s" log line),
/// and how the children spread over the workers. Processes of the launcher's build, as in <see cref="QueueVsLocal"/>.
/// Usage: dotnet run -c Release --project tests/Bench -- split [--cutouts 20000] [--per-file 500] [--split 4] [--workers 1,2,4]
/// </summary>
internal static partial class SplitScaling
{
    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        string Arg(string name, string fallback)
        {
            var i = args.ToList().IndexOf(name);
            return i >= 0 && i + 1 < args.Count ? args[i + 1] : fallback;
        }
        var n = int.Parse(Arg("--cutouts", "20000"), CultureInfo.InvariantCulture);
        var perFile = int.Parse(Arg("--per-file", "500"), CultureInfo.InvariantCulture);
        var split = int.Parse(Arg("--split", "4"), CultureInfo.InvariantCulture);
        var fleets = Arg("--workers", "1,2,4").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var root = AzuriteScript.RepositoryRoot();
        var cli = Path.Combine(root, "Worker", "bin", "Release", "app", "scorebatch");
        if (!File.Exists(cli)) throw new InvalidOperationException($"build the worker first (./scorebatch --help builds it): {cli} is missing");
        var work = Directory.CreateTempSubdirectory("scorebatch-splitbench-");
        var (blobPort, queuePort) = (AzuriteScript.FreePort(), AzuriteScript.FreePort());
        var state = Path.Combine(work.FullName, "azurite");
        var (code, output) = AzuriteScript.Run("start", "--blob-port", $"{blobPort}", "--queue-port", $"{queuePort}", "--state", state);
        if (code != 0) throw new InvalidOperationException($"azurite.sh start failed ({code}): {output}");
        try
        {
            var connection = AzuriteScript.ConnectionString(blobPort, queuePort);
            var model = Path.Combine(work.FullName, "model.ckpt");
            QueueVsLocal.WriteModel(model);
            var input = Path.Combine(work.FullName, "in");
            QueueVsLocal.WriteCutouts(input, n, perFile);
            await QueueVsLocal.Exec(cli, ["upload", "--connection", connection, input, "bench-in/split"]);
            await QueueVsLocal.Exec(cli, ["upload", "--connection", connection, "--as-name", model, "bench-models/model.ckpt"]);
            var parts = (n + perFile * split - 1) / (perFile * split);
            Console.WriteLine($"{n} cutouts of 32² in files of {perFile}, params.split {split}: {parts} children, previews 8");
            Console.WriteLine("| workers | wall s | cutouts/s | speed-up | gather s | gather share | children per worker | Azurite CPU s |");
            Console.WriteLine("|---|---|---|---|---|---|---|---|");
            double? baseline = null;
            foreach (var w in fleets)
            {
                var queue = $"split{w}";
                var started = Stopwatch.StartNew();
                await QueueVsLocal.Exec(cli, ["submit", "--connection", connection, "--queue", queue, "--kind", "score", "--id", $"split-{w}",
                    "--input", "bench-in/split", "--output", $"bench-out/split-{w}", "--model", "bench-models/model.ckpt",
                    "--param", "device=cpu", "--split", split.ToString(CultureInfo.InvariantCulture)]);
                var azuriteBefore = QueueVsLocal.GroupCpuSeconds(state);
                var logs = await Task.WhenAll(Enumerable.Range(0, w).Select(i =>
                    Worker(cli, ["worker", "--connection", connection, "--queue", queue, "--exit-when-idle", "--device", "cpu"])));
                var wall = started.Elapsed.TotalSeconds;
                var azuriteCpu = QueueVsLocal.GroupCpuSeconds(state) - azuriteBefore;
                var gather = logs.SelectMany(l => l).Select(l => GatheredLine().Match(l)).Where(m => m.Success)
                    .Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).DefaultIfEmpty(double.NaN).Sum();
                var spread = string.Join("/", logs.Select(l => l.Count(line => line.Contains("Starting score job", StringComparison.Ordinal))));
                baseline ??= wall;
                Console.WriteLine($"| {w} | {wall:F1} | {n / wall:F0} | {baseline / wall:F2}x | {gather:F2} | {100 * gather / wall:F1} % | {spread} | {azuriteCpu:F1} |");
            }
            return 0;
        }
        finally
        {
            AzuriteScript.Run("stop", "--state", state);
            work.Delete(recursive: true);
        }
    }

    /// <summary>Runs one worker process to its exit; returns its output lines (stdout and stderr).</summary>
    private static async Task<IReadOnlyList<string>> Worker(string cli, string[] arguments)
    {
        var psi = new ProcessStartInfo(cli) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        var lines = ((await stdout) + "\n" + (await stderr)).Split('\n');
        if (p.ExitCode != 0) throw new InvalidOperationException($"worker exited {p.ExitCode}: {string.Join('\n', lines.TakeLast(20))}");
        return lines;
    }

    [GeneratedRegex(@"Split job \S+ gathered: \d+ combined files in ([0-9.]+) s")]
    private static partial Regex GatheredLine();
}
