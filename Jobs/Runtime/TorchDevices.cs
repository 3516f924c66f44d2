using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Runtime;

/// <summary>Maps the `--device` / params.device choice to a torch device.</summary>
public static class TorchDevices
{
    public static IReadOnlyList<string> Names { get; } = ["auto", "cpu", "cuda"];

    /// <summary>"auto": CUDA when available, else CPU; "cpu"; "cuda" (or "cuda:K") fails clearly when there is no GPU.</summary>
    public static Device Resolve(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var normalized = name.Trim().ToLowerInvariant();
        if (normalized == "auto") return cuda.is_available() ? CUDA : CPU;
        if (normalized == "cpu") return CPU;
        if (normalized == "cuda" || normalized.StartsWith("cuda:", StringComparison.Ordinal))
        {
            if (!cuda.is_available())
                throw new ArgumentException($"device: '{name}' requested but no CUDA device is available (this build's torch runtime or the host has none)");
            return new Device(normalized);
        }
        throw new ArgumentException($"device: must be one of auto, cpu, cuda (or cuda:K), got '{name}'");
    }

    /// <summary>Sizes libtorch's intra-op pool to <see cref="CpuThreads.Count"/>: the CPUs this process may use (affinity
    /// and cgroup quota) or the count asked for (torch's own default counts the host's physical cores).</summary>
    public static void UseAllCores() => set_num_threads(CpuThreads.Count);
}
