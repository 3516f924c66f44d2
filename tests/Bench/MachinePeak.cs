using System.Diagnostics;
using System.Globalization;

namespace ScoreBatch.Bench;

/// <summary>
/// The machine's best fp32 matrix product, measured in the same run as the workloads: numpy on Debian's OpenBLAS
/// (AVX-512 kernels on this CPU) in a child process of Debian's python3.11, with OPENBLAS_CORETYPE and
/// OPENBLAS_L2_SIZE removed from its environment only (this environment pins them for older OpenBLAS builds, which
/// halves numpy's products). The child checks its product against float64 before it times anything, so a kernel
/// that misbehaves without the pins is reported, not used.
/// </summary>
public static class MachinePeak
{
    private const string Script = """
        import sys, time, numpy as np
        n = int(sys.argv[1]); seconds = float(sys.argv[2])
        rng = np.random.default_rng(0)
        a = rng.standard_normal((n, n), dtype=np.float32); b = rng.standard_normal((n, n), dtype=np.float32)
        exact = a[:64].astype(np.float64) @ b.astype(np.float64)
        err = np.abs((a @ b)[:64] - exact).max() / np.abs(exact).max()
        if not err < 1e-4: print(f"wrong {err}"); sys.exit(0)
        count, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            a @ b; count += 1
        print(2.0 * n ** 3 * count / (time.perf_counter() - start) / 1e9)
        """;

    /// <summary>GFLOP/s of numpy's n x n x n fp32 product without the OpenBLAS pins, or null (no Debian numpy, or a wrong product).</summary>
    public static double? NumpyGflops(int n, double seconds)
    {
        const string python = "/usr/bin/python3.11";
        if (!File.Exists(python)) return null;
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-c", Script, n.ToString(CultureInfo.InvariantCulture), seconds.ToString(CultureInfo.InvariantCulture) }) start.ArgumentList.Add(a);
        start.Environment.Remove("OPENBLAS_CORETYPE");
        start.Environment.Remove("OPENBLAS_L2_SIZE");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        if (output.StartsWith("wrong", StringComparison.Ordinal)) Console.WriteLine($"numpy without the OpenBLAS pins computed a wrong product ({output}); not used");
        return process.ExitCode == 0 && double.TryParse(output, NumberStyles.Float, CultureInfo.InvariantCulture, out var g) ? g : null;
    }
}
