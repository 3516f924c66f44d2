namespace ScoreBatch.Jobs.Handlers;

/// <summary>Pipeline depths of the score handler; they bound memory whatever the number of cutouts.</summary>
/// <param name="FilesAhead">Parsed input files waiting for the scorer (default 2: the next file downloads while one is scored).</param>
/// <param name="UploadsAhead">Score arrays waiting for upload (default 2: uploads never stall the scorer on one slow write).</param>
public sealed record ScoreJobHandlerOptions(int FilesAhead = 2, int UploadsAhead = 2)
{
    public ScoreJobHandlerOptions Validate()
    {
        if (FilesAhead < 1 || FilesAhead > 64) throw new ArgumentOutOfRangeException(nameof(FilesAhead), FilesAhead, $"FilesAhead must be between 1 and 64, got {FilesAhead}");
        if (UploadsAhead < 1 || UploadsAhead > 64) throw new ArgumentOutOfRangeException(nameof(UploadsAhead), UploadsAhead, $"UploadsAhead must be between 1 and 64, got {UploadsAhead}");
        return this;
    }
}
