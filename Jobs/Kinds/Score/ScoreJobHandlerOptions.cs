namespace ScoreBatch.Jobs.Kinds.Score;

/// <summary>Pipeline depths of the score handler; they bound memory whatever the number of cutouts.</summary>
/// <param name="FilesAhead">
/// Input files downloading or parsed ahead of the scorer (default 16: small files, such as one FITS cutout per
/// galaxy, are bound by round trips, so several download at once; they reach the scorer in listing order).
/// </param>
/// <param name="UploadsAhead">Score arrays waiting for upload (default 2: uploads never stall the scorer on one slow write).</param>
/// <param name="BytesAhead">
/// Listed bytes of the files ahead (default 64 MiB): however many files that is, at least one is always allowed, so
/// a file larger than this downloads alone.
/// </param>
public sealed record ScoreJobHandlerOptions(int FilesAhead = 16, int UploadsAhead = 2, long BytesAhead = 64L << 20)
{
    public ScoreJobHandlerOptions Validate()
    {
        if (FilesAhead < 1 || FilesAhead > 256) throw new ArgumentOutOfRangeException(nameof(FilesAhead), FilesAhead, $"FilesAhead must be between 1 and 256, got {FilesAhead}");
        if (UploadsAhead < 1 || UploadsAhead > 64) throw new ArgumentOutOfRangeException(nameof(UploadsAhead), UploadsAhead, $"UploadsAhead must be between 1 and 64, got {UploadsAhead}");
        if (BytesAhead < 1) throw new ArgumentOutOfRangeException(nameof(BytesAhead), BytesAhead, $"BytesAhead must be positive, got {BytesAhead}");
        return this;
    }
}
