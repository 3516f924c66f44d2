namespace ScoreBatch.Jobs.Cleaning;

/// <summary>How the temperature t falls from <see cref="CleanOptions.THigh"/> to <see cref="CleanOptions.TLow"/>; params.schedule values; append only.</summary>
public enum CleanSchedule
{
    /// <summary>"geometric": equal ratios, so as many steps at low t (fine structure) as at high t (large shapes).</summary>
    Geometric,

    /// <summary>"linear": equal differences, most steps at high t.</summary>
    Linear,
}
