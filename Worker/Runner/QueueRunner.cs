using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ScoreBatch.Storage.Abstractions;

namespace ScoreBatch.Worker.Runner;

/// <summary>
/// The worker loop: <see cref="WorkerOptions.Concurrency"/> slots, each receiving one message at a time (from the
/// priority queues in weighted turns, <see cref="PriorityDrain"/>) and handing it to <see cref="JobExecutor"/>; empty receives back off with jitter. On shutdown the slots stop receiving and
/// the running jobs see their token cancelled (handlers checkpoint and snooze; the message is released).
/// A failing message never escapes a slot; only host faults (bad configuration) stop the host.
/// </summary>
public sealed partial class QueueRunner(
    IJobQueueProvider queues,
    Lazy<JobExecutor> executor,
    Heartbeat heartbeat,
    WorkerReadiness readiness,
    IOptions<WorkerOptions> options,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<QueueRunner> logger) : BackgroundService
{
    private readonly WorkerOptions _o = options.Value;
    private readonly PriorityDrain _drain = new(options.Value.PriorityWeightList ?? [6, 3, 1]);
    private int _finished;

    /// <summary>
    /// Builds the executor (and with it the handler registry) here rather than at construction, so that the host
    /// reports bad settings (ValidateOnStart) before handler registration problems.
    /// </summary>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _ = executor.Value;
        return base.StartAsync(cancellationToken);
    }

    /// <summary>Messages processed to an outcome since start.</summary>
    public int Finished => Volatile.Read(ref _finished);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LogStarting(logger, _o.WorkerId, _o.QueueName, _o.PriorityWeights, _o.Concurrency, _o.VisibilityTimeout);
        readiness.Polling();
        using var drain = stoppingToken.Register(readiness.Draining);
        await Task.WhenAll(Enumerable.Range(0, _o.Concurrency).Select(slot => RunSlotAsync(slot, stoppingToken))).ConfigureAwait(false);
        LogStopped(logger, Finished);
    }

    private async Task RunSlotAsync(int slot, CancellationToken stoppingToken)
    {
        // Leave the host's start-up path at once; the loop itself runs on the thread pool.
        await Task.Yield();
        var backoff = new PollingBackoff(_o.MinPollDelay, _o.MaxPollDelay);
        while (!stoppingToken.IsCancellationRequested)
        {
            heartbeat.Touch();
            bool gotMessage;
            try
            {
                gotMessage = await RunOnceAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // The message (if any) was not acknowledged: it reappears after its visibility timeout.
                LogLoopError(logger, e, slot);
                gotMessage = false;
            }
            if (gotMessage)
            {
                backoff.Reset();
                if (Interlocked.Increment(ref _finished) >= _o.MaxJobs && _o.MaxJobs > 0)
                {
                    LogMaxJobs(logger, _o.MaxJobs);
                    lifetime.StopApplication();
                    break;
                }
                continue;
            }
            if (_o.ExitWhenIdle && await IsIdleAsync(stoppingToken).ConfigureAwait(false))
            {
                LogIdle(logger, _o.QueueName);
                lifetime.StopApplication();
                break;
            }
            try
            {
                await Task.Delay(backoff.NextDelay(), time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>
    /// Receives at most one message, trying the priority queues in the order of this turn (<see cref="PriorityDrain"/>),
    /// and processes it; false when no queue had one visible.
    /// </summary>
    public async Task<bool> RunOnceAsync(CancellationToken stoppingToken)
    {
        foreach (var priority in _drain.NextTurn())
        {
            var queueName = PriorityQueues.QueueFor(_o.QueueName, priority);
            IReadOnlyList<ReceivedMessage> messages;
            try
            {
                messages = await queues.GetQueue(queueName).ReceiveAsync(1, _o.VisibilityTimeout, stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                readiness.QueueAnswered($"{e.GetType().Name}: {e.Message}");
                throw;
            }
            readiness.QueueAnswered(null);
            if (messages.Count == 0) continue;
            if (messages[0].InsertedOn is { } inserted)
                WorkerMetrics.QueueLag.Record(Math.Max(0, (time.GetUtcNow() - inserted).TotalSeconds), new KeyValuePair<string, object?>("queue", queueName));
            await executor.Value.ProcessAsync(messages[0], queueName, stoppingToken).ConfigureAwait(false);
            return true;
        }
        return false;
    }

    private async Task<bool> IsIdleAsync(CancellationToken stoppingToken)
    {
        try
        {
            foreach (var priority in PriorityQueues.All)
            {
                if (await queues.GetQueue(PriorityQueues.QueueFor(_o.QueueName, priority)).ApproximateCountAsync(stoppingToken).ConfigureAwait(false) != 0)
                    return false;
            }
            return true;
        }
        catch (Exception e)
        {
            // Unknown is not idle: keep polling (and let the receive path report storage trouble).
            LogCountFailed(logger, e);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker {WorkerId} polling {Queue}-high, {Queue} and {Queue}-low (weights {Weights}) with {Concurrency} slot(s), visibility {Visibility}")]
    private static partial void LogStarting(ILogger logger, string workerId, string queue, string weights, int concurrency, TimeSpan visibility);

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker stopped after {Finished} message(s)")]
    private static partial void LogStopped(ILogger logger, int finished);

    [LoggerMessage(Level = LogLevel.Error, Message = "Slot {Slot}: processing a message failed; it will reappear after its visibility timeout")]
    private static partial void LogLoopError(ILogger logger, Exception e, int slot);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the queue length")]
    private static partial void LogCountFailed(ILogger logger, Exception e);

    [LoggerMessage(Level = LogLevel.Information, Message = "Processed {MaxJobs} message(s) (MaxJobs); stopping")]
    private static partial void LogMaxJobs(ILogger logger, int maxJobs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Queue {Queue} and its priority queues are empty (ExitWhenIdle); stopping")]
    private static partial void LogIdle(ILogger logger, string queue);
}
