namespace ScoreBatch.Jobs.Scoring;

/// <summary>A cutout that cannot be scored as given (non-finite pixels, outside the transform's domain, too large); <see cref="CutoutId"/> names it.</summary>
public sealed class CutoutScoringException(string cutoutId, string message)
    : Exception($"{cutoutId}: {message}")
{
    public string CutoutId { get; } = cutoutId;
}
