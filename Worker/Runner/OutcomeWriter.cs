using Microsoft.Extensions.Logging;
using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Storage.Abstractions;
using ScoreBatch.Storage.Artifacts;
using ScoreBatch.Storage.Status;

namespace ScoreBatch.Worker.Runner;

/// <summary>
/// The durable writes that end an attempt, in the order the queue contract needs (outputs, then status, then the
/// message): the manifest of a completed job, the status transition (<see cref="StatusTransitions"/>), the poison
/// envelope of a job given up, and the message deleted or made visible again.
/// </summary>
public sealed partial class OutcomeWriter(
    IJobQueueProvider queues,
    IArtifactStore store,
    IStatusStore status,
    WorkerOptions options,
    TimeProvider time,
    ILogger logger,
    Split.SplitGather? splits = null)
{
    private IJobQueue PoisonQueue => queues.GetQueue(options.PoisonQueueName);

    /// <summary>Visibility after a failed attempt: RetryBaseDelay x 2^(attempt-1), at most the visibility timeout.</summary>
    public TimeSpan RetryDelay(int attempt)
        => TimeSpan.FromTicks((long)Math.Min(options.VisibilityTimeout.Ticks, options.RetryBaseDelay.Ticks * Math.Pow(2, Math.Max(0, attempt - 1))));

    /// <summary>Manifest (<c>_SUCCESS</c>) last of the outputs, then status succeeded, then the message deleted.</summary>
    public async Task CompleteAsync(MessageLease lease, JobRequest request, Func<AttemptSettlement> end, IReadOnlyDictionary<string, WrittenFile>? written, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(end);
        var manifest = await ManifestWriter.WriteAsync(store, request.Output, request.Id, request.Kind, time, null, ct, written).ConfigureAwait(false);
        var settled = end();
        await SettleAsync(request, settled, ct).ConfigureAwait(false); // after the manifest: its storage retries are counted
        WorkerMetrics.JobsSucceeded.Add(1, WorkerMetrics.Job(request.Kind, lease.QueueName));
        LogSucceeded(logger, request.Id, manifest.Files.Count, request.Output);
        if (await AfterChildSucceededAsync(lease, request, settled.Attempt).ConfigureAwait(false)) await AcknowledgeAsync(lease, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// A split job's child that succeeded (now or on an earlier delivery) records itself in its parent and gathers
    /// when it completes the set (<see cref="Split.SplitGather"/>); true when its message may be deleted. When that
    /// fails, the message comes back after <see cref="RetryDelay"/> and its next delivery does it again; past
    /// MaxAttempts deliveries the parent fails with the error instead. Any other job: true at once.
    /// </summary>
    public async Task<bool> AfterChildSucceededAsync(MessageLease lease, JobRequest request, int attempt)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(request);
        if (splits is null || Split.SplitLink.ParentOf(request) is not { } link) return true;
        // Its own budget: a gather reads every child's summary, longer than the final writes of one attempt.
        using var budget = new CancellationTokenSource(options.RenewalInterval, time);
        try
        {
            await splits.ChildSucceededAsync(request, budget.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            using var final = new CancellationTokenSource(options.FinalizeTimeout, time);
            if (attempt >= options.MaxAttempts)
            {
                LogGatherGaveUp(logger, e, request.Id, attempt);
                await splits.ChildGivenUpAsync(request.Id, link.ParentOutput, $"recording or gathering after it succeeded failed on delivery {attempt}: {e.GetType().Name}: {e.Message}",
                    final.Token).ConfigureAwait(false);
                return true;
            }
            var delay = RetryDelay(attempt);
            LogGatherFailed(logger, e, request.Id, delay);
            await ReleaseAsync(lease, delay, final.Token).ConfigureAwait(false);
            return false;
        }
    }

    /// <summary>Status queued with progress; the message visible again now (shutdown).</summary>
    public async Task SnoozeAsync(MessageLease lease, JobRequest request, AttemptSettlement end, string reason, CancellationToken ct)
    {
        await SettleAsync(request, end, ct).ConfigureAwait(false);
        await ReleaseAsync(lease, TimeSpan.Zero, ct).ConfigureAwait(false);
        LogSnoozed(logger, reason);
    }

    /// <summary>Status cancelled, then the message deleted.</summary>
    public async Task CancelAsync(MessageLease lease, JobRequest request, AttemptSettlement end, CancellationToken ct)
    {
        await SettleAsync(request, end, ct).ConfigureAwait(false);
        await AcknowledgeAsync(lease, ct).ConfigureAwait(false);
        WorkerMetrics.JobsCancelled.Add(1, WorkerMetrics.Job(request.Kind, lease.QueueName));
        LogCancelled(logger, end.Error ?? "");
    }

    /// <summary>A thrown attempt: status queued with the error and the message back after <see cref="RetryDelay"/>,
    /// or given up on the last attempt.</summary>
    public async Task FailedAttemptAsync(MessageLease lease, JobRequest request, int attempt, Exception failure, int retries, JobProgress? latest,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(failure);
        var error = $"{failure.GetType().Name}: {failure.Message}";
        if (attempt >= options.MaxAttempts)
        {
            LogAttemptFailed(logger, failure, attempt, options.MaxAttempts);
            await GiveUpAsync(lease, request.Id, request.Kind, request.Output,
                $"failed on attempt {attempt} of {options.MaxAttempts}: {error}", null, retries, ct).ConfigureAwait(false);
            return;
        }
        await SettleAsync(request, new AttemptSettlement(JobState.Queued, attempt, retries, latest, error, Finished: false), ct).ConfigureAwait(false);
        var delay = RetryDelay(attempt);
        WorkerMetrics.JobsFailed.Add(1, WorkerMetrics.Job(request.Kind, lease.QueueName));
        LogWillRetry(logger, failure, attempt, options.MaxAttempts, delay);
        await ReleaseAsync(lease, delay, ct).ConfigureAwait(false);
    }

    /// <summary>Poison queue with the reason, status failed (when the output is known and this job may write
    /// there), then delete the original.</summary>
    public async Task GiveUpAsync(MessageLease lease, string? jobId, string kind, string? output, string reason, string? field, int retries,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var m = lease.Message;
        var envelope = new PoisonEnvelope(m.Body, reason, field, m.DequeueCount, time.GetUtcNow(), lease.QueueName, m.MessageId, options.WorkerId, jobId);
        await PoisonQueue.SendAsync(envelope.ToJson(), ct).ConfigureAwait(false);
        // status.json belongs to the output's owner: a finished job's status stays as it is, and a message of
        // another job (bad, or refused for aiming at a prefix it does not own) never writes there.
        if (output is not null && await MayWriteStatusAsync(output, jobId, ct).ConfigureAwait(false))
        {
            await status.UpdateAsync(output, s => StatusTransitions.GivenUp(s, jobId ?? m.MessageId, kind, m.DequeueCount, reason, field, retries,
                time.GetUtcNow(), options.WorkerId), ct).ConfigureAwait(false);
        }
        // A split job's child given up fails its parent, naming it (the parent's output is known from the child's id and output).
        if (splits is not null && Split.SplitLink.ParentOutputOf(jobId, output) is { } parentOutput)
            await splits.ChildGivenUpAsync(jobId!, parentOutput, reason, ct).ConfigureAwait(false);
        WorkerMetrics.JobsPoisoned.Add(1, WorkerMetrics.Job(kind, lease.QueueName));
        LogPoisoned(logger, m.MessageId, options.PoisonQueueName, reason);
        await AcknowledgeAsync(lease, ct).ConfigureAwait(false);
    }

    /// <summary>Deletes the message; a message already lost to another worker is left to it.</summary>
    public async Task AcknowledgeAsync(MessageLease lease, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(lease);
        try
        {
            await lease.DeleteAsync(ct).ConfigureAwait(false);
        }
        catch (MessageLostException)
        {
            // Another worker holds it now; it will find the outcome written (manifest or status) and act on that.
            LogLost(logger, lease.Message.MessageId);
        }
    }

    /// <summary>Makes the message visible again after <paramref name="visibility"/>.</summary>
    public async Task ReleaseAsync(MessageLease lease, TimeSpan visibility, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(lease);
        try
        {
            await lease.SetVisibilityAsync(visibility, ct).ConfigureAwait(false);
        }
        catch (MessageLostException)
        {
            LogLost(logger, lease.Message.MessageId);
        }
    }

    private Task<JobStatus> SettleAsync(JobRequest request, AttemptSettlement end, CancellationToken ct)
        => status.UpdateAsync(request.Output, s => StatusTransitions.Settled(s, request, end, time.GetUtcNow(), options.WorkerId), ct);

    /// <summary>True when the output is unfinished and unclaimed, or claimed by <paramref name="jobId"/>.</summary>
    private async Task<bool> MayWriteStatusAsync(string output, string? jobId, CancellationToken ct)
    {
        if (await ManifestWriter.ExistsAsync(store, output, ct).ConfigureAwait(false)) return false;
        var owner = await OutputOwnership.ReadAsync(store, output, ct).ConfigureAwait(false);
        return owner is null || owner.JobId == jobId;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} succeeded but recording it in its split parent (or the gather) failed; the message returns in {Delay}")]
    private static partial void LogGatherFailed(ILogger logger, Exception e, string jobId, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {JobId}: recording it in its split parent (or the gather) failed on delivery {Attempt}; failing the parent")]
    private static partial void LogGatherGaveUp(ILogger logger, Exception e, string jobId, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} succeeded: {FileCount} files under {Output}")]
    private static partial void LogSucceeded(ILogger logger, string jobId, int fileCount, string output);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job snoozed ({Reason}); message visible again now")]
    private static partial void LogSnoozed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job cancelled: {Reason}")]
    private static partial void LogCancelled(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId} is no longer ours (stale pop receipt or deleted); leaving it to its new holder")]
    private static partial void LogLost(ILogger logger, string messageId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Attempt {Attempt} of {MaxAttempts} failed; giving up")]
    private static partial void LogAttemptFailed(ILogger logger, Exception e, int attempt, int maxAttempts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Attempt {Attempt} of {MaxAttempts} failed; the message returns in {Delay}")]
    private static partial void LogWillRetry(ILogger logger, Exception e, int attempt, int maxAttempts, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId} sent to {PoisonQueue}: {Reason}")]
    private static partial void LogPoisoned(ILogger logger, string messageId, string poisonQueue, string reason);
}
