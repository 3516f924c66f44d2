namespace ScoreBatch.Jobs.Scoring;

/// <summary>The x-space score map of one cutout, <see cref="Score"/> [Summary.Height x Summary.Width] row-major, and its summary.</summary>
public sealed record CutoutScore(float[] Score, ScoreSummary Summary)
{
    /// <summary>Multiscale score features when the scoring options ask for them (<see cref="ScoringOptions.Features"/>), else null.</summary>
    public double[]? Features { get; init; }
}
