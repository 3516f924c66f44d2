using System.Diagnostics;
using System.Globalization;

namespace ScoreBatch.Bench;

/// <summary>
/// Process CPU time and minor page faults: on a shared machine wall-clock rates swing with other people's load,
/// while faults per batch (the allocator effect) are deterministic and CPU time per image is far steadier.
/// </summary>
public readonly record struct ProcessCounters(TimeSpan Cpu, long MinorFaults)
{
    public static ProcessCounters Now()
    {
        using var process = Process.GetCurrentProcess();
        return new ProcessCounters(process.TotalProcessorTime, ReadMinorFaults());
    }

    public static ProcessCounters operator -(ProcessCounters a, ProcessCounters b) =>
        new(a.Cpu - b.Cpu, a.MinorFaults - b.MinorFaults);

    private static long ReadMinorFaults()
    {
        if (!OperatingSystem.IsLinux()) return 0;
        // /proc/self/stat: "pid (comm) state ppid ..."; minflt is the 10th field, the 7th after the ")".
        var stat = File.ReadAllText("/proc/self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[7], CultureInfo.InvariantCulture);
    }
}

/// <summary>One timed workload: images processed, wall time and the process counters over the same span.</summary>
public readonly record struct Sample(long Images, long Batches, TimeSpan Wall, ProcessCounters Counters)
{
    public double ImagesPerSecond => Images / Wall.TotalSeconds;

    /// <summary>Images per CPU-second of this process (all threads): steadier than wall time under load.</summary>
    public double ImagesPerCpuSecond => Images / Counters.Cpu.TotalSeconds;

    public double FaultsPerBatch => Counters.MinorFaults / (double)Batches;
}
