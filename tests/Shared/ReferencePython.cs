using System.Diagnostics;
using System.Text.Json;

namespace ScoreBatch.Tests.Shared;

/// <summary>
/// Runs scripts under the reference Python that CI installs from Debian (/usr/bin/python3.11 with python3-numpy,
/// python3-astropy and python3-torch; Infra/scripts/setup.sh installs them). Interop tests check ScoreBatch against
/// these independent implementations, so a missing interpreter or module is a failure with the package to
/// install, never a skip. SCOREBATCH_PYTHON overrides the interpreter path.
/// </summary>
internal static class ReferencePython
{
    private static readonly Dictionary<string, string> DebianPackages = new()
    {
        ["numpy"] = "python3-numpy",
        ["astropy"] = "python3-astropy",
        ["torch"] = "python3-torch",
    };

    public static string Interpreter => Environment.GetEnvironmentVariable("SCOREBATCH_PYTHON") is { Length: > 0 } p ? p : "/usr/bin/python3.11";

    /// <summary>Runs <paramref name="script"/> in <paramref name="workDirectory"/> and returns its standard output.</summary>
    /// <exception cref="InvalidOperationException">The interpreter or a module is missing, or the script failed.</exception>
    public static string Run(string script, string workDirectory, TimeSpan? timeout = null, string? interpreter = null)
    {
        interpreter ??= Interpreter;
        if (!File.Exists(interpreter))
            throw new InvalidOperationException($"reference Python {interpreter} is missing: install python3.11 with python3-numpy python3-astropy python3-torch (Infra/scripts/setup.sh)");
        var scriptPath = Path.Combine(workDirectory, $"script-{Guid.NewGuid():N}.py");
        File.WriteAllText(scriptPath, script);
        var psi = new ProcessStartInfo(interpreter, [scriptPath])
        {
            WorkingDirectory = workDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.Environment["OMP_NUM_THREADS"] = "1";
        psi.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {interpreter}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{interpreter} {scriptPath} did not finish within {timeout ?? TimeSpan.FromMinutes(2)}");
        }
        var err = stderr.GetAwaiter().GetResult();
        var output = stdout.GetAwaiter().GetResult();
        if (process.ExitCode != 0)
        {
            foreach (var (module, package) in DebianPackages)
                if (err.Contains($"No module named '{module}'", StringComparison.Ordinal))
                    throw new InvalidOperationException($"{interpreter} lacks the module '{module}': install the Debian package {package} (Infra/scripts/setup.sh)\n{err}");
            throw new InvalidOperationException($"{interpreter} {Path.GetFileName(scriptPath)} exited with {process.ExitCode}:\n{err}\n{output}");
        }
        File.Delete(scriptPath);
        return output;
    }

    /// <summary>Runs the script and parses the last line of its output as JSON.</summary>
    public static JsonElement RunJson(string script, string workDirectory, TimeSpan? timeout = null)
    {
        var output = Run(script, workDirectory, timeout);
        var last = output.TrimEnd().Split('\n')[^1];
        return JsonDocument.Parse(last).RootElement.Clone();
    }

    /// <summary>A fresh temporary folder for one test's files.</summary>
    public static string NewWorkDirectory(string prefix)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"scorebatch-{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return dir;
    }
}
