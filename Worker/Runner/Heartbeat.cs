namespace ScoreBatch.Worker.Runner;

/// <summary>
/// The worker's liveness signal: a file whose modification time the runner refreshes on every loop turn and
/// progress tick. `scorebatch health --max-age` (the container HEALTHCHECK) fails when it grows stale.
/// </summary>
public sealed class Heartbeat(string path, TimeProvider time)
{
    private long _lastBeatTicks;

    public string Path { get; } = path;

    /// <summary>When <see cref="Touch"/> last ran in this process (whether or not the file could be written); null before.</summary>
    public DateTimeOffset? LastBeat
    {
        get
        {
            var ticks = Interlocked.Read(ref _lastBeatTicks);
            return ticks > 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;
        }
    }

    /// <summary>
    /// Refreshes the file; returns false when it cannot be written. Never throws: the heartbeat must not take the
    /// loop or a job down, and a file that cannot be written goes stale, which `health` reports.
    /// </summary>
    public bool Touch()
    {
        Interlocked.Exchange(ref _lastBeatTicks, time.GetUtcNow().UtcTicks);
        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!);
            File.WriteAllText(Path, time.GetUtcNow().ToString("O"));
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Age of the last beat by the file's clock, or null when there is none.</summary>
    public static TimeSpan? Age(string path, TimeProvider time)
        => File.Exists(path) ? time.GetUtcNow() - File.GetLastWriteTimeUtc(path) : null;
}
