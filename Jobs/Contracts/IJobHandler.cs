namespace ScoreBatch.Jobs.Contracts;

/// <summary>
/// Runs one kind of job. Handlers know nothing of queues: they read inputs and write outputs through
/// <see cref="JobContext"/>, report progress, and end with an outcome. A thrown exception means "retry".
/// </summary>
public interface IJobHandler
{
    /// <summary>The stable kind string ("train", "score", ...), matched against the message's "kind".</summary>
    string Kind { get; }

    /// <summary>
    /// Checks the request's params before any work, within the kind's own ranges and <paramref name="limits"/> (the
    /// worker's; <see cref="JobParamLimits.None"/> for local commands). Throws <see cref="JobValidationException"/>
    /// naming the bad field (and the setting, for a limit); such a job is never retried.
    /// </summary>
    void Validate(JobRequest request, JobParamLimits limits);

    /// <summary>
    /// Called once the request is valid, before the runner records the job as running: a handler may start loading
    /// what any attempt of its kind needs (a native runtime) in the background, so that it overlaps the runner's
    /// status writes. Returns at once and never throws; does nothing unless a handler overrides it.
    /// </summary>
    void Prepare(JobRequest request)
    {
    }

    /// <summary>
    /// Runs the job. <paramref name="cancellationToken"/> fires on shutdown or when the message is lost; a handler
    /// that can resume (training) checkpoints and returns <see cref="JobOutcome.Snooze"/>.
    /// </summary>
    Task<JobOutcome> RunAsync(JobContext context, CancellationToken cancellationToken);
}

/// <summary>The closed set of ways a job attempt can end.</summary>
public enum JobOutcomeKind
{
    /// <summary>All outputs and the manifest are written.</summary>
    Completed,
    /// <summary>Stopped early (shutdown) after saving progress; make the message visible again now.</summary>
    Snooze,
    /// <summary>Will never succeed (bad input); goes to the poison queue with the reason.</summary>
    Discard,
    /// <summary>The job was cancelled by a user or because the message was lost.</summary>
    Cancelled,
}

/// <summary>An attempt's outcome with a human-readable reason for anything but success.</summary>
public sealed record JobOutcome(JobOutcomeKind Kind, string? Reason = null)
{
    public static JobOutcome Completed { get; } = new(JobOutcomeKind.Completed);
    public static JobOutcome Snooze(string reason) => new(JobOutcomeKind.Snooze, reason);
    public static JobOutcome Discard(string reason) => new(JobOutcomeKind.Discard, reason);
    public static JobOutcome Cancelled(string reason) => new(JobOutcomeKind.Cancelled, reason);
}

/// <summary>A job request that can never succeed as written; <see cref="Field"/> names the offending field or file.</summary>
public sealed class JobValidationException(string field, string message)
    : Exception($"{field}: {message}")
{
    public string Field { get; } = field;
}
