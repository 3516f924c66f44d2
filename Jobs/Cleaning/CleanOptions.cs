namespace ScoreBatch.Jobs.Cleaning;

/// <summary>Options of <see cref="Cleaner"/>; every default has its reason beside it.</summary>
public sealed record CleanOptions
{
    /// <summary>Values of params.schedule, in <see cref="CleanSchedule"/> order.</summary>
    public static IReadOnlyList<string> ScheduleNames { get; } = ["geometric", "linear"];

    /// <summary>Weight of -log p against the data term: 1, the posterior itself; larger removes more.</summary>
    public double Weight { get; init; } = 1.0;

    /// <summary>Gradient steps: 60, enough for the annealed iteration to settle at each temperature (tests: 10).</summary>
    public int Steps { get; init; } = 60;

    /// <summary>First temperature: 1.0 (s = 0.80 in model space under VP, beta = 1), where the prior sees only coarse shapes.</summary>
    public double THigh { get; init; } = 1.0;

    /// <summary>Last temperature: 0.02, the scoring default (SCIENCE.md 5), where the prior sees fine structure.</summary>
    public double TLow { get; init; } = 0.02;

    public CleanSchedule Schedule { get; init; } = CleanSchedule.Geometric;

    /// <summary>
    /// Step scale: 1 makes each prior step the Tweedie denoising jump s(t)²·score at its temperature; smaller is
    /// slower and smoother. The data step is implicit (exact), so any scale is stable in the data term.
    /// </summary>
    public double StepScale { get; init; } = 0.5;

    /// <summary>
    /// Smallest noise std used in the data term (x units): 0.01, 1 % of the normalised peak. A noise-free cutout has
    /// sigma 0, which would pin every pixel to its observed value and remove nothing.
    /// </summary>
    public double MinNoise { get; init; } = 0.01;

    /// <summary>Frames kept for the GIF and strip, the input first and the result last: 10.</summary>
    public int Frames { get; init; } = 10;

    /// <summary>Throws naming the first bad field.</summary>
    public CleanOptions Validate()
    {
        if (!(Weight >= 0 && Weight <= 1e6)) throw new ArgumentOutOfRangeException(nameof(Weight), Weight, "weight must be in [0, 1e6]");
        if (Steps is < 1 or > 100_000) throw new ArgumentOutOfRangeException(nameof(Steps), Steps, "steps must be in [1, 100000]");
        if (!(TLow > 0) || !double.IsFinite(TLow)) throw new ArgumentOutOfRangeException(nameof(TLow), TLow, "t_low must be positive");
        if (!(THigh >= TLow) || !double.IsFinite(THigh)) throw new ArgumentOutOfRangeException(nameof(THigh), THigh, "t_high must be >= t_low");
        if (!Enum.IsDefined(Schedule)) throw new ArgumentOutOfRangeException(nameof(Schedule), Schedule, "unknown schedule");
        if (!(StepScale > 0 && StepScale <= 1)) throw new ArgumentOutOfRangeException(nameof(StepScale), StepScale, "step scale must be in (0, 1]");
        if (!(MinNoise > 0) || !double.IsFinite(MinNoise)) throw new ArgumentOutOfRangeException(nameof(MinNoise), MinNoise, "min noise must be positive");
        if (Frames is < 2 or > 200) throw new ArgumentOutOfRangeException(nameof(Frames), Frames, "frames must be in [2, 200]");
        return this;
    }

    /// <summary>The temperature of step k = 0 .. Steps - 1, from THigh down to TLow.</summary>
    public double Temperature(int k)
    {
        if (Steps == 1) return TLow;
        var f = (double)k / (Steps - 1);
        return Schedule == CleanSchedule.Geometric
            ? THigh * Math.Pow(TLow / THigh, f)
            : THigh + ((TLow - THigh) * f);
    }
}
