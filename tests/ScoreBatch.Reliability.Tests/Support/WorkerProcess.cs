using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace ScoreBatch.Reliability.Tests.Support;

/// <summary>
/// A real `scorebatch worker` process (the built scorebatch.dll next to the tests, run by `dotnet`), configured
/// through SCOREBATCH__... environment variables, with stdout and stderr captured line by line. Dispose always
/// kills it (and anything it started), so a failing test never leaves a worker behind.
/// </summary>
public sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly Action<string>? _echo;

    private WorkerProcess(Process process, string name, Action<string>? echo)
    {
        _process = process;
        Name = name;
        _echo = echo;
    }

    public string Name { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Everything the process wrote so far (stdout and stderr, interleaved as received).</summary>
    public IReadOnlyList<string> Lines => [.. _lines];

    public string Output => string.Join('\n', _lines);

    /// <summary>
    /// Starts a worker. <paramref name="settings"/> are configuration keys ("ScoreBatch:QueueName") turned into
    /// environment variables; <paramref name="echo"/> receives each line as it arrives (test output).
    /// </summary>
    public static WorkerProcess Start(string name, IReadOnlyDictionary<string, string> settings, Action<string>? echo = null, params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "scorebatch.dll");
        if (!File.Exists(dll)) throw new FileNotFoundException("scorebatch.dll must be built next to the tests (the test project references Worker)", dll);
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        psi.ArgumentList.Add(dll);
        psi.ArgumentList.Add("worker");
        foreach (var a in args) psi.ArgumentList.Add(a);
        // Only what the test sets reaches the worker: no SCOREBATCH__ settings of the developer's shell.
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("SCOREBATCH", StringComparison.OrdinalIgnoreCase)).ToList())
            psi.Environment.Remove(key);
        foreach (var (key, value) in settings) psi.Environment[key.Replace(":", "__", StringComparison.Ordinal).ToUpperInvariant()] = value;
        psi.Environment["DOTNET_gcServer"] = "0";
        psi.Environment["OMP_NUM_THREADS"] = "1";
        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var worker = new WorkerProcess(process, name, echo);
        process.OutputDataReceived += (_, e) => worker.Add(e.Data);
        process.ErrorDataReceived += (_, e) => worker.Add(e.Data);
        if (!process.Start()) throw new InvalidOperationException($"could not start worker {name}");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return worker;
    }

    private void Add(string? line)
    {
        if (line is null) return;
        _lines.Enqueue(line);
        _echo?.Invoke($"[{Name}] {line}");
    }

    /// <summary>Waits until some output line contains <paramref name="text"/>; throws naming it (with the output tail) on timeout or exit.</summary>
    public async Task WaitForLineAsync(string text, TimeSpan timeout, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        while (!_lines.Any(l => l.Contains(text, StringComparison.Ordinal)))
        {
            if (_process.HasExited && !_lines.Any(l => l.Contains(text, StringComparison.Ordinal)))
                throw new InvalidOperationException($"worker {Name} exited ({_process.ExitCode}) before writing '{text}':\n{Tail()}");
            try
            {
                await Task.Delay(50, limit.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new TimeoutException($"worker {Name} did not write '{text}' within {timeout}:\n{Tail()}");
            }
        }
    }

    /// <summary>Count of output lines containing <paramref name="text"/>.</summary>
    public int CountLines(string text) => _lines.Count(l => l.Contains(text, StringComparison.Ordinal));

    /// <summary>kill -9: no shutdown code runs, as when a spot VM disappears.</summary>
    public void KillHard()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
    }

    /// <summary>SIGTERM: the host's graceful shutdown (scale-in, eviction notice, deploy).</summary>
    public void Terminate()
    {
        if (_process.HasExited) return;
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit(5_000);
        if (kill.ExitCode != 0 && !_process.HasExited) throw new InvalidOperationException($"kill -TERM {_process.Id} failed ({kill.ExitCode})");
    }

    /// <summary>Waits for exit; false when it is still running after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        try
        {
            await _process.WaitForExitAsync(limit.Token);
            _process.WaitForExit(); // flushes the redirected streams
            return true;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return false;
        }
    }

    public string Tail(int lines = 40) => string.Join('\n', _lines.TakeLast(lines));

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
            // Never started, or already reaped: nothing left to kill.
        }
        _process.Dispose();
    }

    /// <summary>Settings shared by the process tests: short timeouts so crash recovery takes seconds, CPU, fast polling.</summary>
    public static Dictionary<string, string> FastSettings(string connection, string queue, string workerId, string cache, TimeSpan visibility)
        => new()
        {
            ["ScoreBatch:Storage:ConnectionString"] = connection,
            ["ScoreBatch:QueueName"] = queue,
            ["ScoreBatch:WorkerId"] = workerId,
            ["ScoreBatch:CacheDirectory"] = cache,
            ["ScoreBatch:Device"] = "cpu",
            ["ScoreBatch:VisibilityTimeout"] = visibility.ToString("c", CultureInfo.InvariantCulture),
            ["ScoreBatch:ProgressInterval"] = TimeSpan.FromTicks(visibility.Ticks / 4).ToString("c", CultureInfo.InvariantCulture),
            ["ScoreBatch:MinPollDelay"] = "00:00:00.05",
            ["ScoreBatch:MaxPollDelay"] = "00:00:00.25",
            ["ScoreBatch:RetryBaseDelay"] = "00:00:00.2",
            ["ScoreBatch:ShutdownTimeout"] = "00:00:15",
            ["ScoreBatch:Resilience:BaseDelay"] = "00:00:00.05",
            ["ScoreBatch:Resilience:MaxDelay"] = "00:00:01",
        };
}
