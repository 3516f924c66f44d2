using ScoreBatch.Storage.Abstractions;

namespace ScoreBatch.Storage.Status;

/// <summary>
/// An <see cref="IStatusStore"/> that mirrors status.json into the job's <see cref="JobIndex"/> entry when a write
/// creates the status (submit) or brings the job to a final state (succeeded, failed, cancelled). Nothing in
/// between costs an extra write, so the start of an attempt and the release of a message wait for no index write:
/// readers refresh entries that are not final from status.json. The entry is best effort: status.json is already
/// written when it is attempted, so a failure to write it never fails the caller (the next state change repairs it).
/// </summary>
public sealed class IndexedStatusStore(IStatusStore inner, IArtifactStore store) : IStatusStore
{
    public Task<JobStatus?> GetAsync(string output, CancellationToken cancellationToken) => inner.GetAsync(output, cancellationToken);

    public async Task<JobStatus> UpdateAsync(string output, Func<JobStatus?, JobStatus> update, CancellationToken cancellationToken)
    {
        var before = (JobState?)null;
        var known = false;
        var written = await inner.UpdateAsync(output, current =>
        {
            (before, known) = (current?.State, current is not null); // the last round's read is the one that was written over
            return update(current);
        }, cancellationToken).ConfigureAwait(false);
        var final = written.State is JobState.Succeeded or JobState.Failed or JobState.Cancelled;
        if (known && (before == written.State || !final)) return written;
        try
        {
            await JobIndex.RecordAsync(store, output, written, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
        {
            // Best effort by design (see the summary); readers re-read status.json for entries that are not final.
        }
        return written;
    }
}
