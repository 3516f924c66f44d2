using Microsoft.Extensions.Logging;
using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Storage.Abstractions;
using ScoreBatch.Storage.Status;

namespace ScoreBatch.Worker.Runner;

/// <summary>
/// Runs beside one attempt: renews the message's visibility at half-time, counted from when the message was
/// received, so the start-up round trips (manifest check, claim, status) never eat into the margin; cancels the
/// job when the message is lost to another worker; copies the latest progress into status.json, looks for a cancel
/// request ("&lt;output&gt;/_CANCEL", cancelling the job when it names this one) and beats the heartbeat on every
/// tick (<see cref="WorkerOptions.ProgressInterval"/>, 10 s by default).
/// </summary>
public sealed partial class LeaseMonitor(
    MessageLease lease,
    JobRequest request,
    JobProgressReporter progress,
    CancellationTokenSource job,
    WorkerOptions options,
    IArtifactStore store,
    IStatusStore status,
    TimeProvider time,
    Heartbeat heartbeat,
    ILogger logger)
{
    private volatile CancelRequest? _cancel;

    /// <summary>The cancel request that stopped the job, once one was seen.</summary>
    public CancelRequest? CancelRequested => _cancel;

    /// <summary>Runs until <paramref name="stop"/> fires, the message is lost or a cancel request is seen; never throws.</summary>
    public async Task RunAsync(DateTimeOffset received, CancellationToken stop)
    {
        try
        {
            await LoopAsync(received, stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The attempt ended while a renewal, progress write or cancel check was in flight.
        }
    }

    private async Task LoopAsync(DateTimeOffset received, CancellationToken stop)
    {
        var nextRenewal = received + options.RenewalInterval;
        while (!stop.IsCancellationRequested)
        {
            var wait = TimeSpan.FromTicks(Math.Max(0, Math.Min(options.ProgressInterval.Ticks, (nextRenewal - time.GetUtcNow()).Ticks)));
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
                    await lease.SetVisibilityAsync(options.VisibilityTimeout, stop).ConfigureAwait(false);
                    nextRenewal = time.GetUtcNow() + options.RenewalInterval;
                    WorkerMetrics.LeaseRenewals.Add(1, new KeyValuePair<string, object?>("result", "ok"));
                    LogRenewed(logger, lease.Message.MessageId, options.VisibilityTimeout);
                }
                catch (MessageLostException)
                {
                    WorkerMetrics.LeaseRenewals.Add(1, new KeyValuePair<string, object?>("result", "lost"));
                    LogLost(logger, lease.Message.MessageId);
                    await job.CancelAsync().ConfigureAwait(false);
                    return;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // Still hidden for the other half of the timeout: try again on the next tick.
                    WorkerMetrics.LeaseRenewals.Add(1, new KeyValuePair<string, object?>("result", "failed"));
                    LogRenewalFailed(logger, e, lease.Message.MessageId);
                }
            }
            await FlushProgressAsync(stop).ConfigureAwait(false);
            if (await CheckCancelAsync(stop).ConfigureAwait(false)) return;
        }
    }

    private async Task<bool> CheckCancelAsync(CancellationToken stop)
    {
        try
        {
            if (await CancelRequest.ReadAsync(store, request.Output, stop).ConfigureAwait(false) is not { } c || !c.Stops(request.Id)) return false;
            _cancel = c;
            LogCancelSeen(logger, request.Id, c.RequestedBy);
            await job.CancelAsync().ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogCancelCheckFailed(logger, e);
            return false;
        }
    }

    private async Task FlushProgressAsync(CancellationToken stop)
    {
        if (progress.TakeUnflushed() is not { } p) return;
        try
        {
            await status.UpdateAsync(request.Output, s => StatusTransitions.Progressed(s, request, p, time.GetUtcNow()), stop).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogProgressWriteFailed(logger, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId} is no longer ours (stale pop receipt or deleted); leaving it to its new holder")]
    private static partial void LogLost(ILogger logger, string messageId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Renewed message {MessageId} for {Visibility}")]
    private static partial void LogRenewed(ILogger logger, string messageId, TimeSpan visibility);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not renew message {MessageId}; will try again")]
    private static partial void LogRenewalFailed(ILogger logger, Exception e, string messageId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: cancel requested by {RequestedBy}; stopping it")]
    private static partial void LogCancelSeen(ILogger logger, string jobId, string requestedBy);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not look for a cancel request; will look again")]
    private static partial void LogCancelCheckFailed(ILogger logger, Exception e);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not record progress in status.json")]
    private static partial void LogProgressWriteFailed(ILogger logger, Exception e);
}
