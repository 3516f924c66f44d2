namespace ScoreBatch.Jobs.Runtime;

/// <summary>
/// Shortens how long libtorch's OpenMP threads spin after each parallel region before they sleep. libgomp's default
/// spin is tuned for a machine that does nothing else; when two runs share the CPUs (two jobs on one node, a worker
/// beside Azurite and its uploads, containers without CPU limits) the spinning teams take each other's time. Measured
/// on 2 cores, 2 Dec 2026 (tests/Bench/shared_training.sh, 64² mixer training, batch 64, 200 steps): two runs started
/// together ran at 0.24x a lone run each with the default spin, 0.55x with GOMP_SPINCOUNT = 1000 (fair sharing is
/// 0.5x); a lone run and the benchmark's scoring and training rates were within run-to-run noise of the default
/// (lone training 118-128 img/s; OMP_WAIT_POLICY=passive shared as well, 0.52x, but made lone figures erratic: 64²
/// training 87-128 img/s). Every command applies it (the worker too: downloads, uploads and parsing run beside the
/// network there). libgomp reads its environment when libtorch is loaded: call this before the first torch
/// operation. An explicit GOMP_SPINCOUNT or OMP_WAIT_POLICY in the environment wins (OMP_WAIT_POLICY=active for a
/// machine that runs one job alone). Linux only.
/// </summary>
public static class OpenMpWaitTuning
{
    /// <summary>The spin count set when none is configured.</summary>
    public const string SpinCount = "1000";

    /// <summary>Sets GOMP_SPINCOUNT in the native environment unless the user set a wait policy; returns whether it did.</summary>
    public static bool Apply()
    {
        if (!OperatingSystem.IsLinux()) return false;
        if (Environment.GetEnvironmentVariable("GOMP_SPINCOUNT") is not null || Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is not null)
            return false;
        return NativeEnvironment.SetIfUnset("GOMP_SPINCOUNT", SpinCount);
    }
}
