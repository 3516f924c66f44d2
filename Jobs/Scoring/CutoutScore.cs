namespace ScoreBatch.Jobs.Scoring;

/// <summary>The x-space score map of one cutout, <see cref="Score"/> [Summary.Height x Summary.Width] row-major, and its summary.</summary>
public sealed record CutoutScore(float[] Score, ScoreSummary Summary);
