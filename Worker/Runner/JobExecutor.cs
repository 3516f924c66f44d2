using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Storage.Abstractions;
using ScoreBatch.Storage.Artifacts;
using ScoreBatch.Storage.Status;
using ScoreBatch.Worker.Runner.Split;

namespace ScoreBatch.Worker.Runner;

/// <summary>
/// Triage of one received message: parse, skip if already done (refuse if another job finished there), give up
/// after MaxAttempts, validate, claim the output prefix (refuse if another job owns it), status running, then
/// hand it to a <see cref="JobAttempt"/> (the handler in a fresh DI scope beside a <see cref="LeaseMonitor"/>,
/// its outcome made durable by the <see cref="OutcomeWriter"/>). Per-message problems become outcomes here.
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
    private readonly JobAttempt _attempt = new(store, status, new OutcomeWriter(queues, store, status, options.Value, time, logger,
        new SplitGather(store, status, options.Value, limits.Value.ToArrayLimits(), time, logger)), options.Value, limits.Value, time, heartbeat, logger);
    private OutcomeWriter Outcomes => _attempt.Outcomes;

    private SplitFanOut FanOut => _fanOut ??= new SplitFanOut(queues, store, status,
        new SplitGather(store, status, _o, _limits.ToArrayLimits(), time, logger), _o, time, logger);

    private SplitFanOut? _fanOut;


    /// <summary>Processes <paramref name="message"/> of the normal-priority queue; <paramref name="stopping"/> is the host's shutdown signal.</summary>
    public Task ProcessAsync(ReceivedMessage message, CancellationToken stopping) => ProcessAsync(message, _o.QueueName, stopping);

    /// <summary>Processes <paramref name="message"/>, received from <paramref name="queueName"/>.</summary>
    public async Task ProcessAsync(ReceivedMessage message, string queueName, CancellationToken stopping)
    {
        var received = time.GetUtcNow(); // visibility counts from here: the first renewal is due half a timeout later
        var lease = new MessageLease(queues.GetQueue(queueName), message);
        var parsed = JobLimitChecks.CheckBody(message.Body, _limits) is { } tooLarge ? new ParsedMessage(null, tooLarge) : _parser.Parse(message.Body);
        if (parsed.Problem is { } problem)
        {
            using var _ = logger.BeginScope(new JobLogScope(("JobId", problem.JobId), ("MessageId", message.MessageId)));
            LogMalformed(logger, message.MessageId, problem.Field, problem.Reason);
            using var final = FinalizeToken();
            await Outcomes.GiveUpAsync(lease, problem.JobId, problem.Kind ?? "unknown", problem.Output, problem.ToString(), problem.Field, 0, final.Token)
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
            await Outcomes.ReleaseAsync(lease, TimeSpan.Zero, final.Token).ConfigureAwait(false);
            throw;
        }
    }

    private async Task ProcessRequestAsync(MessageLease lease, JobRequest request, int attempt, DateTimeOffset received, CancellationToken stopping)
    {
        var message = lease.Message;

        // Both probes at once: the cancel check costs no extra round trip before a job starts.
        var manifestProbe = ManifestWriter.ExistsAsync(store, request.Output, stopping);
        var cancelProbe = CancelRequest.ReadAsync(store, request.Output, stopping);
        await Task.WhenAll(manifestProbe, cancelProbe).ConfigureAwait(false);
        if (await manifestProbe.ConfigureAwait(false))
        {
            var owner = await FinishedOwnerAsync(request.Output, stopping).ConfigureAwait(false);
            if (owner is null || owner.JobId == request.Id)
            {
                LogAlreadyDone(logger, request.Output);
                // A split job's child redelivered after it succeeded: its parent's record (or the gather) may not be done yet.
                if (await Outcomes.AfterChildSucceededAsync(lease, request, attempt).ConfigureAwait(false))
                    await lease.DeleteAsync(stopping).ConfigureAwait(false);
                return;
            }
            // Another job finished here: refuse this one with the owner's name (never acknowledge it as "already done").
            using var final = FinalizeToken();
            await Outcomes.GiveUpAsync(lease, request.Id, request.Kind, request.Output,
                "output: " + new OwnershipClaim(false, owner).Refusal(request.Output, request.Id), "output", 0, final.Token).ConfigureAwait(false);
            return;
        }

        if (await cancelProbe.ConfigureAwait(false) is { } cancel && cancel.Stops(request.Id))
        {
            // Cancelled before any worker ran it (or between attempts): dropped without running.
            LogDroppedCancelled(logger, request.Id);
            using var final = FinalizeToken();
            await Outcomes.CancelAsync(lease, request, new AttemptSettlement(JobState.Cancelled, attempt, 0, null, cancel.Reason, Finished: true), final.Token)
                .ConfigureAwait(false);
            return;
        }

        if (message.DequeueCount > _o.MaxAttempts)
        {
            var last = (await status.GetAsync(request.Output, stopping).ConfigureAwait(false))?.LastError ?? "no error recorded";
            using var final = FinalizeToken();
            await Outcomes.GiveUpAsync(lease, request.Id, request.Kind, request.Output,
                $"gave up after {message.DequeueCount - 1} deliveries (MaxAttempts {_o.MaxAttempts}); last error: {last}", null, 0, final.Token).ConfigureAwait(false);
            return;
        }

        await using var handlerScope = scopes.CreateAsyncScope();
        var handler = registry.Resolve(handlerScope.ServiceProvider, request.Kind);
        try
        {
            // The handler's args, parsed within its own ranges and the worker's limits on what params ask.
            handler.Validate(request, _limits.ToParamLimits());
        }
        catch (JobValidationException e)
        {
            using var final = FinalizeToken();
            await Outcomes.GiveUpAsync(lease, request.Id, request.Kind, request.Output, e.Message, e.Field, 0, final.Token).ConfigureAwait(false);
            return;
        }

        // The prefix belongs to the first job that claims it; a redelivery of that job finds its own claim.
        var ownership = await OutputOwnership.ClaimAsync(store, request.Output, request.Id, request.Kind, _o.WorkerId, time, stopping).ConfigureAwait(false);
        if (!ownership.Owned)
        {
            using var final = FinalizeToken();
            await Outcomes.GiveUpAsync(lease, request.Id, request.Kind, request.Output, "output: " + ownership.Refusal(request.Output, request.Id), "output", 0, final.Token)
                .ConfigureAwait(false);
            return;
        }

        if (SplitLink.IsParent(request))
        {
            // A split job is not run here: its children are (docs/worker.md, "Split jobs").
            await FanOut.RunAsync(lease, request, attempt, Outcomes, stopping).ConfigureAwait(false);
            return;
        }

        handler.Prepare(request); // e.g. libtorch starts loading while the status round trips below run
        await status.UpdateAsync(request.Output, s => StatusTransitions.Started(s, request, attempt, time.GetUtcNow(), _o.WorkerId), stopping)
            .ConfigureAwait(false);
        LogStarted(logger, request.Kind, request.Id, attempt, _o.MaxAttempts);
        WorkerMetrics.JobsStarted.Add(1, WorkerMetrics.Job(request.Kind, lease.QueueName));

        await _attempt.RunAsync(lease, request, handler, attempt, received, stopping).ConfigureAwait(false);
    }

    /// <summary>Visibility after a failed attempt: RetryBaseDelay x 2^(attempt-1), at most the visibility timeout.</summary>
    public TimeSpan RetryDelay(int attempt) => Outcomes.RetryDelay(attempt);

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

    /// <summary>Final writes get their own time budget: they must still happen while the host is stopping.</summary>
    private CancellationTokenSource FinalizeToken() => new(_o.FinalizeTimeout, time);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId} is unusable ({Field}: {Reason}); sending it to the poison queue")]
    private static partial void LogMalformed(ILogger logger, string messageId, string field, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Output {Output} already has its manifest; acknowledging without recomputing")]
    private static partial void LogAlreadyDone(ILogger logger, string output);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} was cancelled before it ran; dropping its message")]
    private static partial void LogDroppedCancelled(ILogger logger, string jobId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Starting {Kind} job {JobId}, attempt {Attempt} of {MaxAttempts}")]
    private static partial void LogStarted(ILogger logger, string kind, string jobId, int attempt, int maxAttempts);










}
