namespace ScoreBatch.Storage.Status;

/// <summary>Reads and updates "&lt;output&gt;/status.json" with optimistic concurrency.</summary>
public interface IStatusStore
{
    /// <summary>The status of the job writing to <paramref name="output"/>, or null when none was written.</summary>
    Task<JobStatus?> GetAsync(string output, CancellationToken cancellationToken);

    /// <summary>
    /// Reads the current status (null if none), applies <paramref name="update"/> and writes the result on the
    /// condition that nobody wrote in between (ETag); on a conflict it re-reads and applies the update again.
    /// </summary>
    Task<JobStatus> UpdateAsync(string output, Func<JobStatus?, JobStatus> update, CancellationToken cancellationToken);
}
