using System.Diagnostics;

namespace ScoreBatch.Worker.Tests.Cli;

/// <summary>
/// The network's CPU threads follow what the process may use, in a real `scorebatch train` process: --threads, the
/// SCOREBATCH_THREADS variable, the affinity mask (taskset) and a container's CPU limit (DOTNET_PROCESSOR_COUNT, the
/// value .NET would read from the cgroup quota) each give the count the run's first log line names.
/// </summary>
public sealed class ThreadsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sb-threads-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Train_ThreadsFlag_RunsWithThatManyThreads()
    {
        var (code, output) = await TrainAsync(["--threads", "1"], new Dictionary<string, string>());
        Assert.True(code == 0, output);
        Assert.Contains("device CPU (1 thread)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Train_EnvironmentVariable_RunsWithThatManyThreadsAndFlagWins()
    {
        var env = new Dictionary<string, string> { ["SCOREBATCH_THREADS"] = "1" };
        var (code, output) = await TrainAsync([], env);
        Assert.True(code == 0, output);
        Assert.Contains("device CPU (1 thread)", output, StringComparison.Ordinal);
        (code, output) = await TrainAsync(["--threads", "2"], env);
        Assert.True(code == 0, output);
        Assert.Contains("device CPU (2 threads)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Train_ContainerCpuLimitOfOne_RunsWithOneThread()
    {
        var (code, output) = await TrainAsync([], new Dictionary<string, string> { ["DOTNET_PROCESSOR_COUNT"] = "1" });
        Assert.True(code == 0, output);
        Assert.Contains("device CPU (1 thread)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Train_AffinityOfOneCpu_RunsWithOneThread()
    {
        var (code, output) = await TrainAsync([], new Dictionary<string, string>(), taskset: "0");
        Assert.True(code == 0, output);
        Assert.Contains("device CPU (1 thread)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Train_BadEnvironmentVariable_FailsNamingIt()
    {
        var (code, output) = await TrainAsync([], new Dictionary<string, string> { ["SCOREBATCH_THREADS"] = "many" });
        Assert.Equal(1, code);
        Assert.Contains("SCOREBATCH_THREADS must be a whole number", output, StringComparison.Ordinal);
    }

    private async Task<(int Code, string Output)> TrainAsync(string[] extra, Dictionary<string, string> env, string? taskset = null)
    {
        var data = Path.Combine(_dir, "data");
        if (!Directory.Exists(data))
        {
            var (c, o) = await RunAsync(["synth", "--out", data, "--count", "8", "--size", "8", "--stack"], [], null);
            Assert.True(c == 0, o);
        }
        var output = Path.Combine(_dir, "run-" + Guid.NewGuid().ToString("N")[..6]);
        return await RunAsync(["train", "--data", data, "--out", output, "--size", "8", "--steps", "1", "--batch", "4",
            "--width", "8", "--blocks", "1", "--mlp-width", "8", "--checkpoint-every", "0", .. extra], env, taskset);
    }

    private static async Task<(int Code, string Output)> RunAsync(string[] args, Dictionary<string, string> env, string? taskset)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "scorebatch.dll");
        var psi = new ProcessStartInfo(taskset is null ? "dotnet" : "/usr/bin/taskset")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (taskset is not null)
        {
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add(taskset);
            psi.ArgumentList.Add("dotnet");
        }
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("SCOREBATCH", StringComparison.OrdinalIgnoreCase) || k is "OMP_NUM_THREADS" or "MKL_NUM_THREADS" or "DOTNET_PROCESSOR_COUNT").ToList())
            psi.Environment.Remove(key);
        foreach (var (k, v) in env) psi.Environment[k] = v;
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
