using ScoreBatch.Storage.Abstractions;

namespace ScoreBatch.Storage.Status;

/// <summary>
/// An <see cref="IStatusStore"/> that mirrors every successful status.json write into the job's
/// <see cref="JobIndex"/> entry. The entry is best effort: status.json is already written when it is attempted,
/// so a failure to write it never fails the caller (the next status write repairs it).
/// </summary>
public sealed class IndexedStatusStore(IStatusStore inner, IArtifactStore store) : IStatusStore
{
    public Task<JobStatus?> GetAsync(string output, CancellationToken cancellationToken) => inner.GetAsync(output, cancellationToken);

    public async Task<JobStatus> UpdateAsync(string output, Func<JobStatus?, JobStatus> update, CancellationToken cancellationToken)
    {
        var written = await inner.UpdateAsync(output, update, cancellationToken).ConfigureAwait(false);
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
