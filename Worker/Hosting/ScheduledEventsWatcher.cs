using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ScoreBatch.Worker.Runner;

namespace ScoreBatch.Worker.Hosting;

/// <summary>
/// Polls the Scheduled Events endpoint (<see cref="ScheduledEventsOptions"/>) and, on a Preempt or Terminate notice
/// for this VM, drains as on SIGTERM: readiness goes false and the host stops, so the runner stops receiving, a
/// training job checkpoints and snoozes and every held message is released. A poll that fails is logged once per
/// streak and tried again; it never stops the worker.
/// </summary>
public sealed partial class ScheduledEventsWatcher(ScheduledEventsOptions options, WorkerReadiness readiness, IHostApplicationLifetime lifetime,
    TimeProvider time, ILogger<ScheduledEventsWatcher> logger) : BackgroundService
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(2) };

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LogPolling(logger, options.Endpoint, options.PollInterval);
        var failing = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, options.Endpoint);
                request.Headers.Add("Metadata", "true"); // the metadata service refuses requests without it
                using var response = await _http.SendAsync(request, stoppingToken).ConfigureAwait(false);
                response.EnsureSuccessStatusCode();
                var notice = ScheduledEventsDocument.FindDraining(await response.Content.ReadAsStringAsync(stoppingToken).ConfigureAwait(false),
                    options.InstanceName);
                failing = false;
                if (notice is not null)
                {
                    LogDraining(logger, notice);
                    readiness.Draining();
                    lifetime.StopApplication();
                    return;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
            {
                if (!failing) LogPollFailed(logger, options.Endpoint, $"{e.GetType().Name}: {e.Message}");
                failing = true;
            }
            try
            {
                await Task.Delay(options.PollInterval, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Polling scheduled events at {Endpoint} every {Interval}")]
    private static partial void LogPolling(ILogger logger, string endpoint, TimeSpan interval);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scheduled event {Notice}: draining as on SIGTERM")]
    private static partial void LogDraining(ILogger logger, string notice);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read scheduled events at {Endpoint} ({Error}); will keep trying")]
    private static partial void LogPollFailed(ILogger logger, string endpoint, string error);
}
