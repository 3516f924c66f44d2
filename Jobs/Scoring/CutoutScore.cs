namespace ScoreBatch.Jobs.Scoring;

/// <summary>The x-space score map of one cutout, <see cref="Score"/> [Summary.Height x Summary.Width] row-major, and its summary.</summary>
public sealed record CutoutScore(float[] Score, ScoreSummary Summary)
{
    /// <summary>Multiscale score features when the scoring options ask for them (<see cref="ScoringOptions.Features"/>), else null.</summary>
    public double[]? Features { get; init; }

    /// <summary>
    /// The standardised residual e of the features' first level (c = the first noise multiplier),
    /// [Summary.Height x Summary.Width] row-major, when features are computed, else null: about N(0, 1) per pixel where
    /// the prior explains the cutout, negative where it holds more light than the prior expects.
    /// </summary>
    public float[]? Residual { get; init; }
}
