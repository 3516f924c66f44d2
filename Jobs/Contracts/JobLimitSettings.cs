namespace ScoreBatch.Jobs.Contracts;

/// <summary>
/// The names of the worker's job-limit settings (section "ScoreBatch:Limits", bound to the worker's JobLimits), which
/// the handlers' errors name when a job asks or holds more than a limit allows, so an operator knows what to raise.
/// </summary>
public static class JobLimitSettings
{
    public const string Section = "ScoreBatch:Limits";

    /// <summary>Most optimiser (or solver) steps one job may ask for: params.steps.</summary>
    public const string MaxSteps = Section + ":MaxSteps";

    /// <summary>Largest cutout side: params.size and the H, W of every input array.</summary>
    public const string MaxCutoutSize = Section + ":MaxCutoutSize";

    /// <summary>Most cutouts one job may read, over all its files.</summary>
    public const string MaxCutoutsPerJob = Section + ":MaxCutoutsPerJob";

    /// <summary>Most bytes one compressed input file may inflate to.</summary>
    public const string MaxDecompressedBytesPerFile = Section + ":MaxDecompressedBytesPerFile";
}
