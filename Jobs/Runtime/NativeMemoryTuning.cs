using System.Runtime.InteropServices;

namespace ScoreBatch.Jobs.Runtime;

/// <summary>
/// Keeps glibc malloc from returning big tensor buffers to the kernel after every use. By default glibc serves
/// blocks above a dynamic threshold (128 KiB .. 32 MiB) with fresh mmap calls and trims the heap top eagerly, so
/// every activation of a training or scoring step is a new mapping whose pages fault in again (zero-filled) on
/// first touch: on 2 cores that halves to quarters the throughput of the 64² mixer. Raising the mmap threshold to
/// its maximum and disabling trimming makes freed activations reusable from the heap. Same effect as
/// GLIBC_TUNABLES=glibc.malloc.mmap_threshold=...:glibc.malloc.trim_threshold=...:glibc.malloc.top_pad=...,
/// but applied by the process itself. Linux/glibc only; elsewhere a no-op.
/// </summary>
public static partial class NativeMemoryTuning
{
    // mallopt parameter numbers from glibc's malloc.h.
    private const int MTrimThreshold = -1;
    private const int MTopPad = -2;
    private const int MMmapThreshold = -3;

    /// <summary>
    /// Blocks below this are served from the heap: 1 GiB, far above any activation of the 64² mixer at batch 256
    /// (the largest, [256 x 64 x 512] float32, is 32 MiB). glibc 2.36 (Debian 12) accepts it; older glibc refuses
    /// values above HEAP_MAX_SIZE / 2 = 32 MiB, and <see cref="Apply"/> then falls back to that maximum.
    /// </summary>
    public const int MmapThreshold = 1 << 30;

    /// <summary>The largest mmap threshold every glibc accepts: HEAP_MAX_SIZE / 2 = 32 MiB on 64-bit.</summary>
    public const int PortableMmapThreshold = 32 << 20;

    /// <summary>Freed memory at the heap top kept before trimming: 1 GiB (in practice never trim during a run).</summary>
    public const int TrimThreshold = 1 << 30;

    /// <summary>Extra bytes requested from the kernel whenever the heap grows: 64 MiB, so growth is rare.</summary>
    public const int TopPad = 64 << 20;

    private static int applied;

    /// <summary>Whether the last <see cref="Apply"/> changed all three settings.</summary>
    public static bool IsApplied { get; private set; }

    /// <summary>Applies the settings once per process; returns true when all three were accepted.</summary>
    public static bool Apply()
    {
        if (Interlocked.Exchange(ref applied, 1) == 1) return IsApplied;
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            var threshold = mallopt(MMmapThreshold, MmapThreshold) == 1 || mallopt(MMmapThreshold, PortableMmapThreshold) == 1;
            IsApplied = threshold
                & mallopt(MTrimThreshold, TrimThreshold) == 1
                & mallopt(MTopPad, TopPad) == 1;
        }
        catch (EntryPointNotFoundException)
        {
            IsApplied = false; // a non-glibc libc (musl): it has no mallopt, nothing to tune
        }
        catch (DllNotFoundException)
        {
            IsApplied = false;
        }
        return IsApplied;
    }

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int mallopt(int param, int value);
}
