using System.Net;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ScoreBatch.Worker.Runner;

namespace ScoreBatch.Worker.Telemetry;

/// <summary>
/// /healthz (liveness: the runner's heartbeat is fresh) and /readyz (readiness: <see cref="WorkerReadiness"/>) on
/// the metrics port, beside the Prometheus exporter's /metrics (one HttpListener per path set; they share the
/// port). 200 with "ok"/"ready", else 503 with the reason.
/// </summary>
public sealed partial class ProbeEndpoint(MetricsOptions options, Heartbeat heartbeat, WorkerReadiness readiness, TimeProvider time,
    ILogger<ProbeEndpoint> logger) : BackgroundService
{
    private readonly HttpListener _listener = new();

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _listener.Prefixes.Add($"http://{options.Host}:{options.Port}/healthz/");
        _listener.Prefixes.Add($"http://{options.Host}:{options.Port}/readyz/");
        _listener.Start(); // a port in use fails the host's start, as a bad setting does
        LogListening(logger, options.Port);
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var stop = stoppingToken.Register(_listener.Stop);
        while (!stoppingToken.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return; // stopped
            }
            Answer(context);
        }
    }

    private void Answer(HttpListenerContext context)
    {
        var path = context.Request.Url?.AbsolutePath.TrimEnd('/') ?? "";
        var (ok, body) = path switch
        {
            "/healthz" => Liveness(),
            "/readyz" => (readiness.IsReady, readiness.Describe()),
            _ => (false, "not found"),
        };
        try
        {
            context.Response.StatusCode = ok ? 200 : path is "/healthz" or "/readyz" ? 503 : 404;
            context.Response.ContentType = "text/plain; charset=utf-8";
            var bytes = Encoding.UTF8.GetBytes(body + "\n");
            context.Response.ContentLength64 = bytes.Length;
            context.Response.OutputStream.Write(bytes);
            context.Response.Close();
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
        {
            // The prober went away; it will ask again.
        }
    }

    private (bool Ok, string Body) Liveness()
    {
        if (heartbeat.LastBeat is not { } beat) return (false, "no heartbeat yet");
        var age = time.GetUtcNow() - beat;
        return age <= options.LivenessMaxAge ? (true, "ok") : (false, $"heartbeat {age.TotalSeconds:F0} s old (max {options.LivenessMaxAge.TotalSeconds:F0} s)");
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false); // stops the listener (see ExecuteAsync)
        _listener.Close(); // the port stops answering with the host, not when the process ends
    }

    public override void Dispose()
    {
        _listener.Close();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Metrics and probes on port {Port}: /metrics, /healthz, /readyz")]
    private static partial void LogListening(ILogger logger, int port);
}
