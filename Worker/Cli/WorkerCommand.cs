using System.CommandLine;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ScoreBatch.Jobs.Runtime;

namespace ScoreBatch.Worker.Cli;

/// <summary>`scorebatch worker`: runs the host (queue runner) until SIGTERM, or until --max-jobs / --exit-when-idle.</summary>
internal static class WorkerCommand
{
    public static Command Create()
    {
        var storage = new StorageCliOptions();
        var maxJobs = new Option<int?>("--max-jobs") { Description = "Stop after this many messages (default: never)." };
        var exitWhenIdle = new Option<bool>("--exit-when-idle") { Description = "Stop when the queue is empty." };
        var device = new Option<string?>("--device") { Description = "auto | cpu | cuda (default: auto)." };
        var concurrency = new Option<int?>("--concurrency") { Description = "Jobs at once (default: 1)." };
        var metricsPort = new Option<int?>("--metrics-port")
        {
            Description = "Serve Prometheus metrics (/metrics) and probes (/healthz, /readyz) on this port (default: off).",
        };
        metricsPort.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int?>() is { } p and (< 1 or > 65535)) r.AddError($"--metrics-port must be between 1 and 65535, got {p}");
        });
        device.AcceptOnlyFromAmong([.. TorchDevices.Names]);
        concurrency.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int?>() is { } c and (< 1 or > 32)) r.AddError($"--concurrency must be between 1 and 32, got {c}");
        });
        maxJobs.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int?>() is { } n and < 0) r.AddError($"--max-jobs must be 0 (no limit) or more, got {n}");
        });
        var command = new Command("worker", "Run the worker: pull jobs from the queue and run them until stopped.");
        foreach (var o in new Option[] { maxJobs, exitWhenIdle, device, concurrency, metricsPort }) command.Options.Add(o);
        storage.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            TorchDevices.UseAllCores(); // the CPUs this container may use (or --threads), not the node's cores
            var more = new Dictionary<string, string?>();
            if (parse.GetValue(maxJobs) is { } n) more["ScoreBatch:MaxJobs"] = n.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (parse.GetValue(exitWhenIdle)) more["ScoreBatch:ExitWhenIdle"] = "true";
            if (parse.GetValue(device) is { } d) more["ScoreBatch:Device"] = d;
            if (parse.GetValue(concurrency) is { } c) more["ScoreBatch:Concurrency"] = c.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (parse.GetValue(metricsPort) is { } mp) more["ScoreBatch:Metrics:Port"] = mp.ToString(System.Globalization.CultureInfo.InvariantCulture);
            try
            {
                using var host = storage.BuildHost(parse, more);
                await host.RunAsync(ct).ConfigureAwait(false);
                return 0;
            }
            catch (OptionsValidationException e)
            {
                foreach (var f in e.Failures) await Console.Error.WriteLineAsync($"worker: {f}").ConfigureAwait(false);
                return 2;
            }
            catch (InvalidOperationException e)
            {
                // Start-up faults the host reports as such (e.g. no job handlers registered).
                await Console.Error.WriteLineAsync($"worker: {e.Message}").ConfigureAwait(false);
                return 2;
            }
        });
        return command;
    }

    /// <summary>Runs a worker host in-process until <paramref name="until"/> completes or the host stops (used by demo).</summary>
    internal static async Task RunUntilAsync(IHost host, Func<CancellationToken, Task> until, CancellationToken ct)
    {
        await host.StartAsync(ct).ConfigureAwait(false);
        try
        {
            await until(ct).ConfigureAwait(false);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }
}
