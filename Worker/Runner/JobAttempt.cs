using Microsoft.Extensions.Logging;
using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Storage.Abstractions;
using ScoreBatch.Storage.Resilience;
using ScoreBatch.Storage.Status;

namespace ScoreBatch.Worker.Runner;

/// <summary>
/// One attempt of an accepted job: builds the handler's context, runs the handler with a <see cref="LeaseMonitor"/>
/// beside it, turns whatever it returned or threw into an outcome, and has the <see cref="OutcomeWriter"/> make it
/// durable with its own time budget (<see cref="WorkerOptions.FinalizeTimeout"/>).
/// </summary>
public sealed partial class JobAttempt(
    IArtifactStore store,
    IStatusStore status,
    OutcomeWriter outcomes,
    WorkerOptions options,
    JobLimits limits,
    TimeProvider time,
    Heartbeat heartbeat,
    ILogger logger)
{
    /// <summary>The writes that end this attempt (also used by the triage for jobs refused before they run).</summary>
    public OutcomeWriter Outcomes => outcomes;

    /// <summary>Runs <paramref name="handler"/> for <paramref name="request"/>; <paramref name="stopping"/> is the host's shutdown.</summary>
    public async Task RunAsync(MessageLease lease, JobRequest request, IJobHandler handler, int attempt, DateTimeOffset received,
        CancellationToken stopping)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(handler);
        using var retries = RetryCounter.BeginScope();
        using var job = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        using var monitorStop = new CancellationTokenSource();
        var progress = new JobProgressReporter(logger, time, options.ProgressInterval);
        var scopedStore = new JobScopedArtifactStore(store, request, limits);
        var context = new JobContext
        {
            Request = request,
            Store = scopedStore,
            Progress = progress,
            Logger = logger,
            Attempt = attempt,
            Time = time,
            Device = options.Device,
            CacheDirectory = Path.Combine(options.CacheDirectory, request.Id),
            InputLimits = limits.ToArrayLimits(),
            Cutouts = new CutoutBudget(limits.MaxCutoutsPerJob),
            ParamLimits = limits.ToParamLimits(),
        };

        var leaseMonitor = new LeaseMonitor(lease, request, progress, job, options, store, status, time, heartbeat, logger);
        var monitor = leaseMonitor.RunAsync(received, monitorStop.Token);
        var started = time.GetTimestamp();
        JobOutcome? outcome = null;
        Exception? failure = null;
        string? discardField = null;
        try
        {
            outcome = await handler.RunAsync(context, job.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (job.IsCancellationRequested)
        {
            outcome = leaseMonitor.CancelRequested is { } c ? JobOutcome.Cancelled(c.Reason)
                : stopping.IsCancellationRequested
                ? JobOutcome.Snooze("the worker is shutting down")
                : JobOutcome.Cancelled("the message was lost to another worker");
        }
        catch (JobValidationException e)
        {
            outcome = JobOutcome.Discard(e.Message);
            discardField = e.Field;
        }
        catch (Exception e)
        {
            // A thrown exception is a retry (the closed outcome set has no "failed": failing is the queue's business).
            failure = e;
        }
        finally
        {
            await monitorStop.CancelAsync().ConfigureAwait(false);
            await monitor.ConfigureAwait(false);
        }
        // A cancelled training job checkpoints and snoozes as on shutdown; the request makes that final.
        if (leaseMonitor.CancelRequested is { } cancel && outcome is { Kind: JobOutcomeKind.Snooze })
            outcome = JobOutcome.Cancelled(cancel.Reason);

        var label = "failed";
        try
        {
            label = await SettleAsync(lease, request, handler, attempt, outcome, failure, discardField, retries, progress.Latest, scopedStore)
                .ConfigureAwait(false);
        }
        finally
        {
            var tags = WorkerMetrics.Job(request.Kind, lease.QueueName);
            tags.Add("outcome", label);
            WorkerMetrics.AttemptDuration.Record(time.GetElapsedTime(started).TotalSeconds, tags);
        }
    }

    /// <summary>Makes the outcome durable; returns its label for the duration histogram.</summary>
    private async Task<string> SettleAsync(MessageLease lease, JobRequest request, IJobHandler handler, int attempt, JobOutcome? outcome,
        Exception? failure, string? discardField, RetryCounter.Scope retries, JobProgress? latest, JobScopedArtifactStore scopedStore)
    {
        // Retries are counted until each status write: those of the final writes (the manifest) count too.
        using var final = new CancellationTokenSource(options.FinalizeTimeout, time);
        var ct = final.Token;
        if (failure is not null || outcome is null)
        {
            failure ??= new InvalidOperationException($"{handler.GetType().Name} returned no outcome.");
            await outcomes.FailedAttemptAsync(lease, request, attempt, failure, retries.Total, latest, ct).ConfigureAwait(false);
            return "failed";
        }
        if (lease.IsLost && outcome.Kind != JobOutcomeKind.Completed)
        {
            LogLost(logger, lease.Message.MessageId);
            return "lost";
        }
        switch (outcome.Kind)
        {
            case JobOutcomeKind.Completed:
                await outcomes.CompleteAsync(lease, request, () => End(JobState.Succeeded, null, finished: true), scopedStore.Written, ct).ConfigureAwait(false);
                return "succeeded";
            case JobOutcomeKind.Snooze:
                await outcomes.SnoozeAsync(lease, request, End(JobState.Queued, null, finished: false), outcome.Reason ?? "", ct).ConfigureAwait(false);
                return "snoozed";
            case JobOutcomeKind.Discard:
                await outcomes.GiveUpAsync(lease, request.Id, request.Kind, request.Output, outcome.Reason ?? "discarded by the handler", discardField,
                    retries.Total, ct).ConfigureAwait(false);
                return "poisoned";
            case JobOutcomeKind.Cancelled:
                await outcomes.CancelAsync(lease, request, End(JobState.Cancelled, outcome.Reason, finished: true), ct).ConfigureAwait(false);
                return "cancelled";
            default:
                throw new InvalidOperationException($"Outcome kind {outcome.Kind} is not handled.");
        }

        AttemptSettlement End(JobState state, string? error, bool finished) => new(state, attempt, retries.Total, latest, error, finished);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId} is no longer ours (stale pop receipt or deleted); leaving it to its new holder")]
    private static partial void LogLost(ILogger logger, string messageId);
}
