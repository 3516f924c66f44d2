namespace ScoreBatch.Jobs.Contracts;

/// <summary>
/// The worker's bounds on what a message's params may ask, checked by each kind's args record as it parses them
/// (<see cref="JobHandler{TArgs}"/>), so a job asking more is refused before any work with a
/// <see cref="JobValidationException"/> naming the param and the setting. The worker sets them from
/// ScoreBatch:Limits; <see cref="None"/> (local commands, tests) leaves each kind's own range as the only bound.
/// A param that is not given is not judged: its default is the kind's.
/// </summary>
public sealed record JobParamLimits
{
    /// <summary>No bound beyond the kinds' own ranges.</summary>
    public static JobParamLimits None { get; } = new();

    /// <summary>Most steps a job may ask for (params.steps of train, sample, clean; <see cref="JobLimitSettings.MaxSteps"/>).
    /// Default long.MaxValue: none.</summary>
    public long MaxSteps { get; init; } = long.MaxValue;

    /// <summary>Largest cutout side a job may ask for (params.size of train; <see cref="JobLimitSettings.MaxCutoutSize"/>).
    /// Default int.MaxValue: none.</summary>
    public int MaxCutoutSize { get; init; } = int.MaxValue;

    /// <summary><paramref name="steps"/>, read from <paramref name="field"/>, when within <see cref="MaxSteps"/>; else a validation error naming both.</summary>
    public long CheckSteps(string field, long steps) => steps <= MaxSteps ? steps
        : throw new JobValidationException(field, $"must be at most {MaxSteps} ({JobLimitSettings.MaxSteps}), got {steps}");

    /// <summary><paramref name="size"/>, read from <paramref name="field"/>, when within <see cref="MaxCutoutSize"/>; else a validation error naming both.</summary>
    public int CheckSize(string field, int size) => size <= MaxCutoutSize ? size
        : throw new JobValidationException(field, $"must be at most {MaxCutoutSize} pixels per side ({JobLimitSettings.MaxCutoutSize}), got {size}");
}
