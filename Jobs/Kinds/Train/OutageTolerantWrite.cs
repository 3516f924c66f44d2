using Microsoft.Extensions.Logging;
using ScoreBatch.Storage.Resilience;

namespace ScoreBatch.Jobs.Kinds.Train;

/// <summary>
/// Runs a storage write again, with doubling waits, while it fails transiently (<see cref="TransientFaults"/>) and
/// the outage budget lasts (<see cref="TrainJobHandlerOptions"/>); the caller (training) waits meanwhile. Any other
/// failure, or one past the budget, is thrown as is. <c>giveUp</c> (shutdown) ends the waiting early.
/// </summary>
internal static partial class OutageTolerantWrite
{
    public static async Task RunAsync(string what, Func<Task> write, TrainJobHandlerOptions options, TimeProvider time, ILogger logger,
        CancellationToken giveUp)
    {
        var started = time.GetUtcNow();
        var delay = options.OutageFirstDelay;
        for (var failures = 1; ; failures++)
        {
            try
            {
                await write().ConfigureAwait(false);
                if (failures > 1)
                {
                    var waited = time.GetUtcNow() - started;
                    LogRecovered(logger, what, waited);
                }
                return;
            }
            catch (Exception e) when (TransientFaults.IsTransient(e) && time.GetUtcNow() - started + delay <= options.StorageOutageBudget
                && !giveUp.IsCancellationRequested)
            {
                var waited = time.GetUtcNow() - started;
                LogWaiting(logger, e, what, delay, waited, options.StorageOutageBudget);
            }
            await Task.Delay(delay, time, giveUp).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, options.OutageMaxDelay.Ticks));
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storage is unavailable for {What}; training waits and tries again in {Delay} ({Waited} of {Budget} waited)")]
    private static partial void LogWaiting(ILogger logger, Exception e, string what, TimeSpan delay, TimeSpan waited, TimeSpan budget);

    [LoggerMessage(Level = LogLevel.Information, Message = "Storage is back: {What} written after {Waited}; training goes on")]
    private static partial void LogRecovered(ILogger logger, string what, TimeSpan waited);
}
