namespace ScoreBatch.Worker.Hosting;

/// <summary>
/// SCOREBATCH_DEBUG=1 (or "true"): errors keep their stack traces (CLI errors, log lines with exceptions, the
/// host's start-up faults). Off by default, so every error is one line naming the flag, field or file.
/// </summary>
public static class DebugSwitch
{
    public const string Variable = "SCOREBATCH_DEBUG";

    public static bool IsOn => Environment.GetEnvironmentVariable(Variable) is "1" or "true" or "TRUE" or "True";
}
