using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Storage.Abstractions;
using ScoreBatch.Storage.Artifacts;
using ScoreBatch.Storage.Resilience;
using ScoreBatch.Storage.Status;
using ScoreBatch.Worker.Hosting;

namespace ScoreBatch.Worker.Runner;

/// <summary>
/// Processes one received message end to end: parse, skip if already done (refuse if another job finished
/// there), give up after MaxAttempts, validate, claim the output prefix (refuse if another job owns it),
/// run the handler in a fresh DI scope while renewing the message's visibility, and turn the outcome into
/// durable writes (manifest last, then status) before acknowledging. Per-message problems become outcomes here.
/// </summary>
public sealed partial class JobExecutor(
    IJobQueueProvider queues,
    IArtifactStore store,
    IStatusStore status,
    JobHandlerRegistry registry,
    IServiceScopeFactory scopes,
    IOptions<WorkerOptions> options,
    IOptions<JobLimits> limits,
    TimeProvider time,
    Heartbeat heartbeat,
    ILogger<JobExecutor> logger)
{
    private readonly WorkerOptions _o = options.Value;
    private readonly JobLimits _limits = limits.Value;
    private readonly JobMessageParser _parser = new(registry);

    private IJobQueue Queue => queues.GetQueue(_o.QueueName);
    private IJobQueue PoisonQueue => queues.GetQueue(_o.PoisonQueueName);

    /// <summary>Processes <paramref name="message"/>; <paramref name="stopping"/> is the host's shutdown signal.</summary>
    public async Task ProcessAsync(ReceivedMessage message, CancellationToken stopping)
    {
        var received = time.GetUtcNow(); // visibility counts from here: the first renewal is due half a timeout later
        var lease = new MessageLease(Queue, message);
        var parsed = JobLimitChecks.CheckBody(message.Body, _limits) is { } tooLarge ? new ParsedMessage(null, tooLarge) : _parser.Parse(message.Body);
        if (parsed.Problem is { } problem)
        {
            using var _ = logger.BeginScope(new JobLogScope(("JobId", problem.JobId), ("MessageId", message.MessageId)));
            LogMalformed(logger, message.MessageId, problem.Field, problem.Reason);
            using var final = FinalizeToken();
            await GiveUpAsync(lease, problem.JobId, problem.Kind ?? "unknown", problem.Output, problem.ToString(), problem.Field, 0, final.Token)
                .ConfigureAwait(false);
            return;
        }

        var request = parsed.Request!;
        var attempt = (int)Math.Min(message.DequeueCount, int.MaxValue);
        using var scope = logger.BeginScope(new JobLogScope(("JobId", request.Id), ("Kind", request.Kind), ("Attempt", attempt)));
        try
        {
            await ProcessRequestAsync(lease, request, attempt, received, stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Shutdown before the handler ran: hand the message back at once instead of hiding it for the full timeout.
            using var final = FinalizeToken();
            await ReleaseAsync(lease, TimeSpan.Zero, final.Token).ConfigureAwait(false);
            throw;
        }
    }

    private async Task ProcessRequestAsync(MessageLease lease, JobRequest request, int attempt, DateTimeOffset received, CancellationToken stopping)
    {
        var message = lease.Message;

        if (await ManifestWriter.ExistsAsync(store, request.Output, stopping).ConfigureAwait(false))
        {
            var owner = await FinishedOwnerAsync(request.Output, stopping).ConfigureAwait(false);
            if (owner is null || owner.JobId == request.Id)
            {
                LogAlreadyDone(logger, request.Output);
                await lease.DeleteAsync(stopping).ConfigureAwait(false);
                return;
            }
            // Another job finished here: refuse this one with the owner's name (never acknowledge it as "already done").
            using var final = FinalizeToken();
            await GiveUpAsync(lease, request.Id, request.Kind, request.Output,
                "output: " + new OwnershipClaim(false, owner).Refusal(request.Output, request.Id), "output", 0, final.Token).ConfigureAwait(false);
            return;
        }

        if (message.DequeueCount > _o.MaxAttempts)
        {
            var last = (await status.GetAsync(request.Output, stopping).ConfigureAwait(false))?.LastError ?? "no error recorded";
            using var final = FinalizeToken();
            await GiveUpAsync(lease, request.Id, request.Kind, request.Output,
                $"gave up after {message.DequeueCount - 1} deliveries (MaxAttempts {_o.MaxAttempts}); last error: {last}", null, 0, final.Token).ConfigureAwait(false);
            return;
        }

        await using var handlerScope = scopes.CreateAsyncScope();
        var handler = registry.Resolve(handlerScope.ServiceProvider, request.Kind);
        try
        {
            // The handler's own ranges first (they are the tighter ones); the worker's limits cap whatever it accepts.
            handler.Validate(request);
            JobLimitChecks.CheckParams(request, _limits);
        }
        catch (JobValidationException e)
        {
            using var final = FinalizeToken();
            await GiveUpAsync(lease, request.Id, request.Kind, request.Output, e.Message, e.Field, 0, final.Token).ConfigureAwait(false);
            return;
        }

        // The prefix belongs to the first job that claims it; a redelivery of that job finds its own claim.
        var ownership = await OutputOwnership.ClaimAsync(store, request.Output, request.Id, request.Kind, _o.WorkerId, time, stopping).ConfigureAwait(false);
        if (!ownership.Owned)
        {
            using var final = FinalizeToken();
            await GiveUpAsync(lease, request.Id, request.Kind, request.Output, "output: " + ownership.Refusal(request.Output, request.Id), "output", 0, final.Token)
                .ConfigureAwait(false);
            return;
        }

        handler.Prepare(request); // e.g. libtorch starts loading while the status round trips below run
        await status.UpdateAsync(request.Output, s => (s ?? NewStatus(request)) with
        {
            State = JobState.Running,
            Attempt = attempt,
            StartedAt = s?.StartedAt ?? time.GetUtcNow(),
            UpdatedAt = time.GetUtcNow(),
            FinishedAt = null,
            WorkerId = _o.WorkerId,
        }, stopping).ConfigureAwait(false);
        LogStarted(logger, request.Kind, request.Id, attempt, _o.MaxAttempts);

        await RunAttemptAsync(lease, request, handler, attempt, received, stopping).ConfigureAwait(false);
    }

    private async Task RunAttemptAsync(MessageLease lease, JobRequest request, IJobHandler handler, int attempt, DateTimeOffset received,
        CancellationToken stopping)
    {
        using var retries = RetryCounter.BeginScope();
        using var job = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        using var monitorStop = new CancellationTokenSource();
        var progress = new JobProgressReporter(logger, time, _o.ProgressInterval);
        var scopedStore = new JobScopedArtifactStore(store, request, _limits);
        var context = new JobContext
        {
            Request = request,
            Store = scopedStore,
            Progress = progress,
            Logger = logger,
            Attempt = attempt,
            Time = time,
            Device = _o.Device,
            CacheDirectory = Path.Combine(_o.CacheDirectory, request.Id),
            InputLimits = _limits.ToArrayLimits(),
        };

        var monitor = MonitorAsync(lease, request, progress, job, received, monitorStop.Token);
        JobOutcome? outcome = null;
        Exception? failure = null;
        string? discardField = null;
        try
        {
            outcome = await handler.RunAsync(context, job.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (job.IsCancellationRequested)
        {
            outcome = stopping.IsCancellationRequested
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

        using var final = FinalizeToken();
        var ct = final.Token;
        var latest = progress.Latest;
        if (failure is not null || outcome is null)
        {
            failure ??= new InvalidOperationException($"{handler.GetType().Name} returned no outcome.");
            await FailedAttemptAsync(lease, request, attempt, failure, retries.Total, latest, ct).ConfigureAwait(false);
            return;
        }
        if (lease.IsLost && outcome.Kind != JobOutcomeKind.Completed)
        {
            LogLost(logger, lease.Message.MessageId);
            return;
        }
        switch (outcome.Kind)
        {
            case JobOutcomeKind.Completed:
                var manifest = await ManifestWriter.WriteAsync(store, request.Output, request.Id, request.Kind, time, null, ct, scopedStore.Written).ConfigureAwait(false);
                await SetStatusAsync(request, JobState.Succeeded, attempt, retries.Total, latest, null, null, finished: true, ct).ConfigureAwait(false);
                LogSucceeded(logger, request.Id, manifest.Files.Count, request.Output);
                await AcknowledgeAsync(lease, ct).ConfigureAwait(false);
                break;
            case JobOutcomeKind.Snooze:
                await SetStatusAsync(request, JobState.Queued, attempt, retries.Total, latest, null, null, finished: false, ct).ConfigureAwait(false);
                await ReleaseAsync(lease, TimeSpan.Zero, ct).ConfigureAwait(false);
                LogSnoozed(logger, outcome.Reason ?? "");
                break;
            case JobOutcomeKind.Discard:
                await GiveUpAsync(lease, request.Id, request.Kind, request.Output, outcome.Reason ?? "discarded by the handler", discardField, retries.Total, ct)
                    .ConfigureAwait(false);
                break;
            case JobOutcomeKind.Cancelled:
                await SetStatusAsync(request, JobState.Cancelled, attempt, retries.Total, latest, outcome.Reason, null, finished: true, ct).ConfigureAwait(false);
                await AcknowledgeAsync(lease, ct).ConfigureAwait(false);
                LogCancelled(logger, outcome.Reason ?? "");
                break;
            default:
                throw new InvalidOperationException($"Outcome kind {outcome.Kind} is not handled.");
        }
    }

    /// <summary>
    /// Renews visibility at half-time, counted from when the message was received, so the start-up round trips
    /// (manifest check, claim, status) never eat into the margin (cancelling the job when the message is lost);
    /// records progress, beats the heartbeat.
    /// </summary>
    private async Task MonitorAsync(MessageLease lease, JobRequest request, JobProgressReporter progress, CancellationTokenSource job,
        DateTimeOffset received, CancellationToken stop)
    {
        var nextRenewal = received + _o.RenewalInterval;
        while (!stop.IsCancellationRequested)
        {
            var wait = TimeSpan.FromTicks(Math.Max(0, Math.Min(_o.ProgressInterval.Ticks, (nextRenewal - time.GetUtcNow()).Ticks)));
            try
            {
                await Task.Delay(wait, time, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            heartbeat.Touch();
            if (time.GetUtcNow() >= nextRenewal)
            {
                try
                {
                    await lease.SetVisibilityAsync(_o.VisibilityTimeout, stop).ConfigureAwait(false);
                    nextRenewal = time.GetUtcNow() + _o.RenewalInterval;
                    LogRenewed(logger, lease.Message.MessageId, _o.VisibilityTimeout);
                }
                catch (MessageLostException)
                {
                    LogLost(logger, lease.Message.MessageId);
                    await job.CancelAsync().ConfigureAwait(false);
                    return;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // Still hidden for the other half of the timeout: try again on the next tick.
                    LogRenewalFailed(logger, e, lease.Message.MessageId);
                }
            }
            if (progress.TakeUnflushed() is { } p)
            {
                try
                {
                    await status.UpdateAsync(request.Output, s => (s ?? NewStatus(request)) with
                    {
                        Progress = new JobStatusProgress(p.Done, p.Total, p.Unit, p.Message),
                        UpdatedAt = time.GetUtcNow(),
                    }, stop).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogProgressWriteFailed(logger, e);
                }
            }
        }
    }

    private async Task FailedAttemptAsync(MessageLease lease, JobRequest request, int attempt, Exception failure, int retries, JobProgress? latest,
        CancellationToken ct)
    {
        var error = $"{failure.GetType().Name}: {failure.Message}";
        if (attempt >= _o.MaxAttempts)
        {
            LogAttemptFailed(logger, failure, attempt, _o.MaxAttempts);
            await GiveUpAsync(lease, request.Id, request.Kind, request.Output,
                $"failed on attempt {attempt} of {_o.MaxAttempts}: {error}", null, retries, ct).ConfigureAwait(false);
            return;
        }
        await SetStatusAsync(request, JobState.Queued, attempt, retries, latest, error, null, finished: false, ct).ConfigureAwait(false);
        var delay = RetryDelay(attempt);
        LogWillRetry(logger, failure, attempt, _o.MaxAttempts, delay);
        await ReleaseAsync(lease, delay, ct).ConfigureAwait(false);
    }

    /// <summary>Visibility after a failed attempt: RetryBaseDelay x 2^(attempt-1), at most the visibility timeout.</summary>
    public TimeSpan RetryDelay(int attempt)
        => TimeSpan.FromTicks((long)Math.Min(_o.VisibilityTimeout.Ticks, _o.RetryBaseDelay.Ticks * Math.Pow(2, Math.Max(0, attempt - 1))));

    /// <summary>Poison queue with the reason, status failed (when the output is known), then delete the original.</summary>
    private async Task GiveUpAsync(MessageLease lease, string? jobId, string kind, string? output, string reason, string? field, int retries,
        CancellationToken ct)
    {
        var m = lease.Message;
        var envelope = new PoisonEnvelope(m.Body, reason, field, m.DequeueCount, time.GetUtcNow(), _o.QueueName, m.MessageId, _o.WorkerId, jobId);
        await PoisonQueue.SendAsync(envelope.ToJson(), ct).ConfigureAwait(false);
        // status.json belongs to the output's owner: a finished job's status stays as it is, and a message of
        // another job (bad, or refused for aiming at a prefix it does not own) never writes there.
        if (output is not null && await MayWriteStatusAsync(output, jobId, ct).ConfigureAwait(false))
        {
            await status.UpdateAsync(output, s => (s ?? new JobStatus { JobId = jobId ?? m.MessageId, Kind = kind, CreatedAt = time.GetUtcNow() }) with
            {
                State = JobState.Failed,
                Attempt = (int)Math.Min(m.DequeueCount, int.MaxValue),
                LastError = reason,
                ErrorField = field,
                Retries = (s?.Retries ?? 0) + retries,
                UpdatedAt = time.GetUtcNow(),
                FinishedAt = time.GetUtcNow(),
                WorkerId = _o.WorkerId,
            }, ct).ConfigureAwait(false);
        }
        LogPoisoned(logger, m.MessageId, _o.PoisonQueueName, reason);
        await AcknowledgeAsync(lease, ct).ConfigureAwait(false);
    }

    /// <summary>Who owns a finished output (its _OWNER, else the job its _SUCCESS names); null when neither can be read.</summary>
    private async Task<OutputOwner?> FinishedOwnerAsync(string output, CancellationToken ct)
    {
        try
        {
            return await OutputOwnership.ReadAsync(store, output, ct).ConfigureAwait(false);
        }
        catch (System.Text.Json.JsonException)
        {
            return null; // an unreadable _SUCCESS still means "done", as it always did
        }
    }

    /// <summary>True when the output is unfinished and unclaimed, or claimed by <paramref name="jobId"/>.</summary>
    private async Task<bool> MayWriteStatusAsync(string output, string? jobId, CancellationToken ct)
    {
        if (await ManifestWriter.ExistsAsync(store, output, ct).ConfigureAwait(false)) return false;
        var owner = await OutputOwnership.ReadAsync(store, output, ct).ConfigureAwait(false);
        return owner is null || owner.JobId == jobId;
    }

    private Task<JobStatus> SetStatusAsync(JobRequest request, JobState state, int attempt, int retries, JobProgress? latest, string? error, string? field,
        bool finished, CancellationToken ct)
        => status.UpdateAsync(request.Output, s => (s ?? NewStatus(request)) with
        {
            State = state,
            Attempt = attempt,
            Progress = latest is null ? s?.Progress : new JobStatusProgress(latest.Done, latest.Total, latest.Unit, latest.Message),
            LastError = error ?? s?.LastError,
            ErrorField = field ?? s?.ErrorField,
            Retries = (s?.Retries ?? 0) + retries,
            UpdatedAt = time.GetUtcNow(),
            FinishedAt = finished ? time.GetUtcNow() : null,
            WorkerId = _o.WorkerId,
        }, ct);

    private async Task AcknowledgeAsync(MessageLease lease, CancellationToken ct)
    {
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

    private async Task ReleaseAsync(MessageLease lease, TimeSpan visibility, CancellationToken ct)
    {
        try
        {
            await lease.SetVisibilityAsync(visibility, ct).ConfigureAwait(false);
        }
        catch (MessageLostException)
        {
            LogLost(logger, lease.Message.MessageId);
        }
    }

    private JobStatus NewStatus(JobRequest r) => new() { JobId = r.Id, Kind = r.Kind, State = JobState.Queued, CreatedAt = time.GetUtcNow() };

    /// <summary>Final writes get their own time budget: they must still happen while the host is stopping.</summary>
    private CancellationTokenSource FinalizeToken() => new(_o.FinalizeTimeout, time);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId} is unusable ({Field}: {Reason}); sending it to the poison queue")]
    private static partial void LogMalformed(ILogger logger, string messageId, string field, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Output {Output} already has its manifest; acknowledging without recomputing")]
    private static partial void LogAlreadyDone(ILogger logger, string output);

    [LoggerMessage(Level = LogLevel.Information, Message = "Starting {Kind} job {JobId}, attempt {Attempt} of {MaxAttempts}")]
    private static partial void LogStarted(ILogger logger, string kind, string jobId, int attempt, int maxAttempts);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} succeeded: {FileCount} files under {Output}")]
    private static partial void LogSucceeded(ILogger logger, string jobId, int fileCount, string output);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job snoozed ({Reason}); message visible again now")]
    private static partial void LogSnoozed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job cancelled: {Reason}")]
    private static partial void LogCancelled(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId} is no longer ours (stale pop receipt or deleted); leaving it to its new holder")]
    private static partial void LogLost(ILogger logger, string messageId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Renewed message {MessageId} for {Visibility}")]
    private static partial void LogRenewed(ILogger logger, string messageId, TimeSpan visibility);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not renew message {MessageId}; will try again")]
    private static partial void LogRenewalFailed(ILogger logger, Exception e, string messageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not record progress in status.json")]
    private static partial void LogProgressWriteFailed(ILogger logger, Exception e);

    [LoggerMessage(Level = LogLevel.Error, Message = "Attempt {Attempt} of {MaxAttempts} failed; giving up")]
    private static partial void LogAttemptFailed(ILogger logger, Exception e, int attempt, int maxAttempts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Attempt {Attempt} of {MaxAttempts} failed; the message returns in {Delay}")]
    private static partial void LogWillRetry(ILogger logger, Exception e, int attempt, int maxAttempts, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId} sent to {PoisonQueue}: {Reason}")]
    private static partial void LogPoisoned(ILogger logger, string messageId, string poisonQueue, string reason);
}
