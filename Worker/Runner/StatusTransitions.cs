using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Storage.Status;

namespace ScoreBatch.Worker.Runner;

/// <summary>How one attempt ends in status.json: the state, and what the attempt leaves on the record.</summary>
/// <param name="State">queued (retry, snooze), succeeded, cancelled.</param>
/// <param name="Attempt">The delivery that wrote it.</param>
/// <param name="Retries">Storage operations the pipelines retried during this attempt (added to the total).</param>
/// <param name="Latest">The handler's latest progress report; null keeps the recorded progress.</param>
/// <param name="Error">The attempt's error; null keeps the recorded last error.</param>
/// <param name="Finished">True for a final state: sets finishedAt (else clears it).</param>
public sealed record AttemptSettlement(JobState State, int Attempt, int Retries, JobProgress? Latest, string? Error, bool Finished);

/// <summary>
/// The status.json transitions the runner makes, as pure functions of the stored status (null: none yet), the
/// time and this worker's id; <see cref="IStatusStore.UpdateAsync"/> applies them under an ETag condition.
/// </summary>
public static class StatusTransitions
{
    /// <summary>The record a job gets when the runner writes first (submit normally has).</summary>
    public static JobStatus New(JobRequest request, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new JobStatus { JobId = request.Id, Kind = request.Kind, State = JobState.Queued, CreatedAt = now };
    }

    /// <summary>An attempt starts: running, this attempt and worker; startedAt kept from the first attempt; finishedAt cleared.</summary>
    public static JobStatus Started(JobStatus? current, JobRequest request, int attempt, DateTimeOffset now, string workerId)
        => (current ?? New(request, now)) with
        {
            State = JobState.Running,
            Attempt = attempt,
            StartedAt = current?.StartedAt ?? now,
            UpdatedAt = now,
            FinishedAt = null,
            WorkerId = workerId,
        };

    /// <summary>A progress tick: only progress and updatedAt change.</summary>
    public static JobStatus Progressed(JobStatus? current, JobRequest request, JobProgress progress, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(progress);
        return (current ?? New(request, now)) with
        {
            Progress = ToStatus(progress),
            UpdatedAt = now,
        };
    }

    /// <summary>An attempt ends without giving up (success, retry, snooze, cancel).</summary>
    public static JobStatus Settled(JobStatus? current, JobRequest request, AttemptSettlement end, DateTimeOffset now, string workerId)
    {
        ArgumentNullException.ThrowIfNull(end);
        return (current ?? New(request, now)) with
        {
            State = end.State,
            Attempt = end.Attempt,
            Progress = end.Latest is null ? current?.Progress : ToStatus(end.Latest),
            LastError = end.Error ?? current?.LastError,
            Retries = (current?.Retries ?? 0) + end.Retries,
            UpdatedAt = now,
            FinishedAt = end.Finished ? now : null,
            WorkerId = workerId,
        };
    }

    /// <summary>The job is given up (poisoned): failed with the reason and field; a job never seen before gets a
    /// record under <paramref name="jobId"/> (or the message id when the body named none).</summary>
    public static JobStatus GivenUp(JobStatus? current, string jobId, string kind, long deliveries, string reason, string? field, int retries,
        DateTimeOffset now, string workerId)
        => (current ?? new JobStatus { JobId = jobId, Kind = kind, CreatedAt = now }) with
        {
            State = JobState.Failed,
            Attempt = (int)Math.Min(deliveries, int.MaxValue),
            LastError = reason,
            ErrorField = field,
            Retries = (current?.Retries ?? 0) + retries,
            UpdatedAt = now,
            FinishedAt = now,
            WorkerId = workerId,
        };

    private static JobStatusProgress ToStatus(JobProgress p) => new(p.Done, p.Total, p.Unit, p.Message);
}
