using ScoreBatch.Storage.Abstractions;
using ScoreBatch.Storage.Status;

namespace ScoreBatch.Worker.Submission;

/// <summary>What <see cref="JobCanceller.CancelAsync"/> did.</summary>
/// <param name="JobId">The job the request names.</param>
/// <param name="Before">Its state when the request was made.</param>
/// <param name="Requested">False when the job had already ended (nothing was written).</param>
public sealed record CancelResult(string JobId, JobState Before, bool Requested);

/// <summary>
/// `scorebatch cancel`: writes "&lt;output&gt;/_CANCEL" (<see cref="CancelRequest"/>) for the job whose status.json is
/// there. A queued job is marked cancelled at once and its message is dropped by the worker that dequeues it; a
/// running job sees the request on its next progress tick (10 s by default), training after a checkpoint, and ends
/// cancelled with its message deleted. A job that already ended is left as it is.
/// </summary>
public sealed class JobCanceller(IArtifactStore store, IStatusStore status, TimeProvider time)
{
    /// <summary>Cancels the job at <paramref name="output"/>; null when no job has a status there.</summary>
    public async Task<CancelResult?> CancelAsync(string output, string requestedBy, CancellationToken ct)
    {
        ArtifactPath.Validate(output, "output");
        var current = await status.GetAsync(output, ct).ConfigureAwait(false);
        if (current is null) return null;
        if (current.State is JobState.Succeeded or JobState.Failed or JobState.Cancelled) return new CancelResult(current.JobId, current.State, false);

        await CancelRequest.WriteAsync(store, output, current.JobId, requestedBy, time, ct).ConfigureAwait(false);
        var request = await CancelRequest.ReadAsync(store, output, ct).ConfigureAwait(false);
        var reason = request?.Reason ?? $"cancel requested by {requestedBy}";
        // Queued: nobody runs it, so the request is the outcome (the worker that dequeues it writes the same again).
        await status.UpdateAsync(output, s => s is { State: JobState.Queued } q && q.JobId == current.JobId
            ? q with { State = JobState.Cancelled, LastError = reason, UpdatedAt = time.GetUtcNow(), FinishedAt = time.GetUtcNow() }
            : s ?? current, ct).ConfigureAwait(false);
        return new CancelResult(current.JobId, current.State, true);
    }
}
