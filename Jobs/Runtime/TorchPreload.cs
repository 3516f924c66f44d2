using System.Runtime.InteropServices;
using TorchSharp;

namespace ScoreBatch.Jobs.Runtime;

/// <summary>
/// Loads libtorch on a thread-pool thread, once per process. Mapping and relocating its several hundred MB of native
/// code takes about 0.15 s on 2 cores; a torch job starts it as soon as its message is known to be valid (see
/// <see cref="Contracts.IJobHandler.Prepare"/>), so the load overlaps the runner's status round trips instead of
/// following them. A failure is left to the job's own first torch call, which reports it with context.
/// </summary>
public static class TorchPreload
{
    private static readonly Lazy<Task> Load = new(() => Task.Run(() =>
    {
        try
        {
            torch.InitializeDeviceType(DeviceType.CPU);
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or NotSupportedException
            or InvalidOperationException or ExternalException)
        {
            // Reported, with context, by the job that needs torch.
        }
    }));

    /// <summary>Starts the load unless it has started; returns at once.</summary>
    public static void Start() => _ = Load.Value;
}
