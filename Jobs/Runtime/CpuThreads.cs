using System.Globalization;

namespace ScoreBatch.Jobs.Runtime;

/// <summary>
/// How many CPU threads libtorch's intra-op pool uses: the CPUs this process may actually run on, not the machine's.
/// <see cref="Environment.ProcessorCount"/> already honours both limits Linux puts on a process: its affinity mask
/// (taskset, cpusets, Kubernetes' static CPU manager) and its cgroup CPU quota (a container's cpu limit, rounded up),
/// whereas libtorch's own default counts the host's physical cores: a 2-CPU container on a 16-core node would run
/// 16 spinning OpenMP threads on 2 CPUs' worth of time. An explicit request (--threads, or the SCOREBATCH_THREADS
/// environment variable that container manifests set) wins. <see cref="Configure"/> runs once, before libtorch is
/// loaded, and also sets OMP_NUM_THREADS and MKL_NUM_THREADS in the native environment (unless the user set them), so
/// every thread that later starts using torch begins with the same count.
/// </summary>
public static class CpuThreads
{
    /// <summary>The environment variable an explicit thread count may come from (1 to <see cref="MaxThreads"/>).</summary>
    public const string EnvironmentVariable = "SCOREBATCH_THREADS";

    /// <summary>The largest thread count accepted.</summary>
    public const int MaxThreads = 1024;

    private static int configured;

    /// <summary>The CPUs this process may use: its affinity mask and cgroup quota, as .NET reads them.</summary>
    public static int Available => Environment.ProcessorCount;

    /// <summary>The thread count in force: the last <see cref="Configure"/>d one, else <see cref="Available"/>.</summary>
    public static int Count => Volatile.Read(ref configured) is > 0 and var n ? n : Available;

    /// <summary>
    /// <paramref name="requested"/> (from --threads) when given, else SCOREBATCH_THREADS when set, else
    /// <see cref="Available"/>. Throws <see cref="ArgumentException"/> naming the flag or the variable when out of range.
    /// </summary>
    public static int Resolve(int? requested, string? environmentValue)
    {
        if (requested is { } r)
            return r is >= 1 and <= MaxThreads ? r
                : throw new ArgumentException($"--threads must be between 1 and {MaxThreads}, got {r}");
        if (!string.IsNullOrWhiteSpace(environmentValue))
            return int.TryParse(environmentValue, NumberStyles.None, CultureInfo.InvariantCulture, out var e) && e is >= 1 and <= MaxThreads
                ? e
                : throw new ArgumentException($"{EnvironmentVariable} must be a whole number between 1 and {MaxThreads}, got '{environmentValue}'");
        return Available;
    }

    /// <summary>Resolves the count (see <see cref="Resolve"/>) and records it; call before the first torch operation.</summary>
    public static int Configure(int? requested)
    {
        var threads = Resolve(requested, Environment.GetEnvironmentVariable(EnvironmentVariable));
        Volatile.Write(ref configured, threads);
        // libgomp and MKL read these when libtorch loads; unless the user set them, every thread starts with this count.
        var text = threads.ToString(CultureInfo.InvariantCulture);
        NativeEnvironment.SetIfUnset("OMP_NUM_THREADS", text);
        NativeEnvironment.SetIfUnset("MKL_NUM_THREADS", text);
        return threads;
    }
}
