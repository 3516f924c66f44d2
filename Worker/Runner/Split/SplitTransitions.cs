using System.Globalization;
using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Storage.Status;

namespace ScoreBatch.Worker.Runner.Split;

/// <summary>
/// The status.json transitions of a split job's parent, as pure functions (see <see cref="StatusTransitions"/>):
/// its progress counts parts ("3/8 parts", the message says how many cutouts they scored) and its "parts" object
/// aggregates the children. A parent that has ended (failed, cancelled, succeeded) keeps its state.
/// </summary>
public static class SplitTransitions
{
    /// <summary>The fan-out wrote its plan: running, with <paramref name="parts"/> children (those already recorded as succeeded are kept).</summary>
    public static JobStatus FannedOut(JobStatus? current, JobRequest parent, int parts, DateTimeOffset now, string workerId)
    {
        var record = current?.Parts is { } p && p.Total == parts ? p : new JobStatusParts(parts, [], 0);
        var s = (current ?? StatusTransitions.New(parent, now)) with
        {
            Parts = record,
            Progress = ProgressOf(record),
            UpdatedAt = now,
            WorkerId = workerId,
        };
        return IsFinal(current) ? s : s with { State = JobState.Running, FinishedAt = null };
    }

    /// <summary>Child <paramref name="part"/> succeeded after scoring <paramref name="cutouts"/> cutouts (idempotent).</summary>
    public static JobStatus PartSucceeded(JobStatus current, int part, long cutouts, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(current);
        if (current.Parts is not { } p || p.Succeeded.Contains(part)) return current;
        var record = p.WithSucceeded(part, cutouts);
        return current with { Parts = record, Progress = ProgressOf(record), UpdatedAt = now };
    }

    /// <summary>Child <paramref name="childId"/> was given up: the parent fails, naming it and its reason.</summary>
    public static JobStatus PartFailed(JobStatus current, string childId, string reason, DateTimeOffset now, string workerId)
    {
        ArgumentNullException.ThrowIfNull(current);
        var record = (current.Parts ?? new JobStatusParts(0, [], 0)).WithFailed(childId, reason);
        var s = current with { Parts = record, UpdatedAt = now };
        return IsFinal(current) ? s : s with
        {
            State = JobState.Failed,
            LastError = $"part {childId} failed: {reason}",
            ErrorField = null,
            FinishedAt = now,
            WorkerId = workerId,
        };
    }

    /// <summary>The gather wrote the combined outputs and the manifest: succeeded.</summary>
    public static JobStatus Gathered(JobStatus current, DateTimeOffset now, string workerId)
    {
        ArgumentNullException.ThrowIfNull(current);
        return current with { State = JobState.Succeeded, UpdatedAt = now, FinishedAt = now, WorkerId = workerId };
    }

    /// <summary>Parts done of parts, with the cutouts they scored.</summary>
    public static JobStatusProgress ProgressOf(JobStatusParts parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        return new JobStatusProgress(parts.Succeeded.Count, parts.Total, "parts",
            string.Create(CultureInfo.InvariantCulture, $"{parts.Cutouts} cutouts scored"));
    }

    private static bool IsFinal(JobStatus? s) => s?.State is JobState.Succeeded or JobState.Failed or JobState.Cancelled;
}
