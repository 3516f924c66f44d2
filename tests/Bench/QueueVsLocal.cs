using System.Diagnostics;
using System.Globalization;
using ScoreBatch.Jobs.Model;
using ScoreBatch.Jobs.Synthetic;
using ScoreBatch.Jobs.Training;
using ScoreBatch.Jobs.Transforms;
using ScoreBatch.Storage.Formats;
using ScoreBatch.Tests.Shared;

namespace ScoreBatch.Bench;

/// <summary>
/// Issue 3's benchmark: scoring N cutouts at 32² through the queue and a real Azurite (`scorebatch worker`
/// processing one score job) against the same work through the local `scorebatch score` command, both as fresh
/// processes of the CLI as the launcher builds it, each timed and its peak resident memory taken by GNU time. Run for several N to show
/// that the worker's peak memory does not grow with the number of cutouts.
/// Usage: dotnet run -c Release --project tests/Bench -- queue [--cutouts 5000,20000] [--per-file 500] [--repeat 1]
/// With --repeat N each size runs N times, local and queue in turn (a new job id and output each time), and a last
/// row gives the median of the N ratios and their range: on 2 shared cores one pair's ratio moves by several percent.
/// </summary>
internal static class QueueVsLocal
{
    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        string Arg(string name, string fallback)
        {
            var i = args.ToList().IndexOf(name);
            return i >= 0 && i + 1 < args.Count ? args[i + 1] : fallback;
        }
        var counts = Arg("--cutouts", "5000,20000").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var perFile = int.Parse(Arg("--per-file", "500"), CultureInfo.InvariantCulture);
        var metrics = args.Contains("--metrics"); // also run the job again with the worker's metrics endpoint on
        var repeat = int.Parse(Arg("--repeat", "1"), CultureInfo.InvariantCulture);
        if (repeat < 1) throw new ArgumentException($"--repeat must be at least 1, got {repeat}");
        var root = AzuriteScript.RepositoryRoot();
        // The build users run: the launcher's self-contained ReadyToRun publish (the container image's build).
        var cli = Path.Combine(root, "Worker", "bin", "Release", "app", "scorebatch");
        if (!File.Exists(cli)) throw new InvalidOperationException($"build the worker first (./scorebatch --help builds it): {cli} is missing");
        var work = Directory.CreateTempSubdirectory("scorebatch-queuebench-");
        var (blobPort, queuePort) = (AzuriteScript.FreePort(), AzuriteScript.FreePort());
        var state = Path.Combine(work.FullName, "azurite");
        var (code, output) = AzuriteScript.Run("start", "--blob-port", $"{blobPort}", "--queue-port", $"{queuePort}", "--state", state);
        if (code != 0) throw new InvalidOperationException($"azurite.sh start failed ({code}): {output}");
        try
        {
            var connection = AzuriteScript.ConnectionString(blobPort, queuePort);
            var model = Path.Combine(work.FullName, "model.ckpt");
            WriteModel(model);
            Console.WriteLine("| cutouts | path | wall s | cutouts/s | peak RSS MiB | CPU s (user+sys) | Azurite CPU s | queue/local |");
            Console.WriteLine("|---|---|---|---|---|---|---|---|");
            foreach (var n in counts)
            {
                var input = Path.Combine(work.FullName, $"in-{n}");
                WriteCutouts(input, n, perFile);
                await Exec(cli, ["upload", "--connection", connection, input, $"bench-in/n{n}"]);
                await Exec(cli, ["upload", "--connection", connection, "--as-name", model, "bench-models/model.ckpt"]);
                var queueName = $"bench{n}";
                var ratios = new List<double>();
                Run local = null!, queue = null!;
                for (var r = 0; r < repeat; r++)
                {
                    var suffix = r == 0 ? "" : $"-{r}";
                    local = await Timed(cli, ["score", "--model", model, "--input", input, "--out", Path.Combine(work.FullName, $"out-{n}{suffix}"), "--previews", "0", "--device", "cpu"]);
                    await Exec(cli, ["submit", "--connection", connection, "--queue", queueName, "--kind", "score", "--id", $"bench-{n}{suffix}",
                        "--input", $"bench-in/n{n}", "--output", $"bench-out/n{n}{suffix}", "--model", "bench-models/model.ckpt",
                        "--param", "previews=0", "--param", "device=cpu"]);
                    var azuriteBefore = GroupCpuSeconds(state);
                    queue = await Timed(cli, ["worker", "--connection", connection, "--queue", queueName, "--max-jobs", "1", "--device", "cpu"]);
                    var azuriteCpu = GroupCpuSeconds(state) - azuriteBefore;
                    ratios.Add(local.Wall / queue.Wall);
                    Console.WriteLine($"| {n} | local `score` | {local.Wall:F1} | {n / local.Wall:F0} | {local.PeakMiB:F0} | {local.CpuSeconds:F1} | | |");
                    Console.WriteLine($"| {n} | queue + Azurite | {queue.Wall:F1} | {n / queue.Wall:F0} | {queue.PeakMiB:F0} | {queue.CpuSeconds:F1} | {azuriteCpu:F1} | {100 * local.Wall / queue.Wall:F0} % |");
                }
                if (repeat > 1)
                {
                    ratios.Sort();
                    var median = repeat % 2 == 1 ? ratios[repeat / 2] : (ratios[repeat / 2 - 1] + ratios[repeat / 2]) / 2;
                    Console.WriteLine($"| {n} | median of {repeat} pairs | | | | | | **{100 * median:F0} %** ({100 * ratios[0]:F0}-{100 * ratios[^1]:F0} %) |");
                }
                if (!metrics) continue;
                // The same job again (new id and output) with --metrics-port: the endpoint's cost on a score job.
                await Exec(cli, ["submit", "--connection", connection, "--queue", queueName, "--kind", "score", "--id", $"bench-{n}-metrics",
                    "--input", $"bench-in/n{n}", "--output", $"bench-out/n{n}-metrics", "--model", "bench-models/model.ckpt",
                    "--param", "previews=0", "--param", "device=cpu"]);
                var observed = await Timed(cli, ["worker", "--connection", connection, "--queue", queueName, "--max-jobs", "1", "--device", "cpu",
                    "--metrics-port", $"{AzuriteScript.FreePort()}"]);
                Console.WriteLine($"| {n} | queue + Azurite, --metrics-port | {observed.Wall:F1} | {n / observed.Wall:F0} | {observed.PeakMiB:F0} | {observed.CpuSeconds:F1} | | " +
                    $"{100 * local.Wall / observed.Wall:F0} % (CPU {100 * (observed.CpuSeconds / queue.CpuSeconds - 1):+0.0;-0.0} % against metrics off) |");
            }
            return 0;
        }
        finally
        {
            AzuriteScript.Run("stop", "--state", state);
            work.Delete(recursive: true);
        }
    }

    /// <summary>A default 32² mixer with fixed random weights: throughput does not depend on training.</summary>
    internal static void WriteModel(string path)
    {
        using var g = new TorchSharp.torch.Generator(0);
        using var net = ScoreNetFactory.Create(new ScoreNetOptions { ImageSize = 32 }, g);
        using var f = File.Create(path);
        Checkpoint.FromModel(net, new Log1pTransform()).Save(f);
    }

    /// <summary>N cutouts as files of <paramref name="perFile"/> [k x 32 x 32]; 500 distinct galaxies repeated.</summary>
    internal static void WriteCutouts(string folder, int n, int perFile)
    {
        Directory.CreateDirectory(folder);
        var distinct = new SyntheticDatasetBuilder(new SersicGalaxyOptions(Size: 32)).Build(Math.Min(500, n), seed: 5);
        const int plane = 32 * 32;
        for (int start = 0, file = 0; start < n; start += perFile, file++)
        {
            var k = Math.Min(perFile, n - start);
            var pixels = new float[k * plane];
            for (var i = 0; i < k; i++) distinct.Image((start + i) % distinct.Count).CopyTo(pixels.AsSpan(i * plane, plane));
            File.WriteAllBytes(Path.Combine(folder, $"part-{file:D4}.npy"), Npy.ToBytes(pixels, [k, 32, 32]));
        }
    }

    private sealed record Run(double Wall, double PeakMiB, double CpuSeconds);

    /// <summary>CPU seconds (user + system) used so far by the processes of Azurite's process group.</summary>
    internal static double GroupCpuSeconds(string state)
    {
        var group = File.ReadAllText(Path.Combine(state, "azurite.pid")).Trim();
        double ticks = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            string stat;
            try { stat = File.ReadAllText(Path.Combine(dir, "stat")); }
            catch (IOException) { continue; }
            catch (UnauthorizedAccessException) { continue; }
            if (!stat.Contains(')', StringComparison.Ordinal)) continue;
            // Fields after "(comm)": state ppid pgrp session ... utime (14th field overall) stime (15th).
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (fields[2] != group) continue;
            ticks += double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture);
        }
        return ticks / 100.0; // USER_HZ
    }

    /// <summary>Runs the CLI under GNU time: wall seconds and peak resident set of the process.</summary>
    private static async Task<Run> Timed(string cli, string[] arguments)
    {
        var report = Path.GetTempFileName();
        await Exec("/usr/bin/time", ["-f", "%e %M %U %S", "-o", report, cli, .. arguments]);
        var parts = File.ReadAllText(report).Trim().Split(' ');
        File.Delete(report);
        return new Run(double.Parse(parts[0], CultureInfo.InvariantCulture), double.Parse(parts[1], CultureInfo.InvariantCulture) / 1024,
            double.Parse(parts[2], CultureInfo.InvariantCulture) + double.Parse(parts[3], CultureInfo.InvariantCulture));
    }

    internal static async Task Exec(string file, string[] arguments)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments.Take(3))} ... exited {p.ExitCode}: {await stderr}{await stdout}");
    }
}
