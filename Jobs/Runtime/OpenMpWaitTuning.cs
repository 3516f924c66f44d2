using System.Runtime.InteropServices;

namespace ScoreBatch.Jobs.Runtime;

/// <summary>
/// Shortens how long libtorch's OpenMP threads spin after each parallel region before they sleep. libgomp's default
/// spin is tuned for a machine that does nothing else; in the queue worker, downloads, uploads and parsing run
/// beside the network on the same cores, and spinning threads take their time (measured on 2 cores: 2 CPU-s of
/// 23 in a 20,000-cutout score job). A short spin (GOMP_SPINCOUNT = 1000) costs 2-4 % of pure compute, so only
/// the worker applies it. libgomp reads its environment when libtorch is loaded: call this before the first
/// torch operation. An explicit GOMP_SPINCOUNT or OMP_WAIT_POLICY in the environment wins. Linux only.
/// </summary>
public static partial class OpenMpWaitTuning
{
    /// <summary>The spin count set when none is configured.</summary>
    public const string SpinCount = "1000";

    /// <summary>Sets GOMP_SPINCOUNT in the native environment unless the user set a wait policy; returns whether it did.</summary>
    public static bool Apply()
    {
        if (!OperatingSystem.IsLinux()) return false;
        if (Environment.GetEnvironmentVariable("GOMP_SPINCOUNT") is not null || Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is not null)
            return false;
        try
        {
            // .NET keeps its own copy of the environment; libgomp reads the C library's, so set it there.
            return setenv("GOMP_SPINCOUNT", SpinCount, 0) == 0;
        }
        catch (EntryPointNotFoundException)
        {
            return false;
        }
        catch (DllNotFoundException)
        {
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int setenv(string name, string value, int overwrite);
}
