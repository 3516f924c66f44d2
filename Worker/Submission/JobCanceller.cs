using ScoreBatch.Jobs.Kinds.Score.Split;
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
/// cancelled with its message deleted. A job that already ended is left as it is. A split job that has fanned out
/// (docs/worker.md, "Split jobs") is cancelled with all its children: each child gets its own request, and the parent is
/// marked cancelled at once (no gather follows).
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
        // A split job that has fanned out runs only as its children: each gets the request, and the parent ends now.
        var split = current.Parts is not null ? await SplitPlan.ReadAsync(store, output, ct).ConfigureAwait(false) : null;
        if (split is not null)
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, split.Parts.Count), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct },
                async (part, token) => await CancelChildAsync(SplitNames.PartOutput(output, part), SplitNames.PartId(current.JobId, part), requestedBy, token)
                    .ConfigureAwait(false)).ConfigureAwait(false);
        }
        // Queued (or a split parent, which no attempt runs): the request is the outcome (a worker that dequeues it writes the same again).
        bool EndsNow(JobStatus? s) => s is not null && s.JobId == current.JobId && (s.State == JobState.Queued || (split is not null && s.State == JobState.Running));
        await status.UpdateAsync(output, s => EndsNow(s)
            ? s! with { State = JobState.Cancelled, LastError = reason, UpdatedAt = time.GetUtcNow(), FinishedAt = time.GetUtcNow() }
            : s ?? current, ct).ConfigureAwait(false);
        return new CancelResult(current.JobId, current.State, true);
    }

    /// <summary>The request for one child of a split job: written whether or not the child was sent yet (a child sent
    /// later is dropped when dequeued); a queued child is marked cancelled at once, a running one stops at its next tick.</summary>
    private async Task CancelChildAsync(string childOutput, string childId, string requestedBy, CancellationToken ct)
    {
        await CancelRequest.WriteAsync(store, childOutput, childId, requestedBy, time, ct).ConfigureAwait(false);
        if (await status.GetAsync(childOutput, ct).ConfigureAwait(false) is not { State: JobState.Queued }) return;
        var reason = (await CancelRequest.ReadAsync(store, childOutput, ct).ConfigureAwait(false))?.Reason ?? $"cancel requested by {requestedBy}";
        await status.UpdateAsync(childOutput, s => s is { State: JobState.Queued } q
            ? q with { State = JobState.Cancelled, LastError = reason, UpdatedAt = time.GetUtcNow(), FinishedAt = time.GetUtcNow() }
            : s!, ct).ConfigureAwait(false);
    }
}
