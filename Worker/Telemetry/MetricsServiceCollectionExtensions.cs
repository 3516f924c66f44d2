using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using ScoreBatch.Jobs.Runtime;
using ScoreBatch.Storage.Resilience;
using ScoreBatch.Worker.Runner;

namespace ScoreBatch.Worker.Telemetry;

/// <summary>Registers the metrics port when <see cref="MetricsOptions.Port"/> is set: OpenTelemetry metrics of the
/// worker, jobs and storage meters exported for Prometheus at /metrics, and the <see cref="ProbeEndpoint"/>.</summary>
public static class MetricsServiceCollectionExtensions
{
    public static IServiceCollection AddScoreBatchMetrics(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(MetricsOptions.SectionName).Get<MetricsOptions>() ?? new MetricsOptions();
        if (options.Check() is { Count: > 0 } errors) throw new OptionsValidationException(MetricsOptions.SectionName, typeof(MetricsOptions), errors);
        if (options.Port == 0) return services;
        services.AddSingleton(options);
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(WorkerMetrics.MeterName, JobMetrics.MeterName, StorageMetrics.MeterName)
            .AddPrometheusHttpListener(o =>
            {
                o.Port = options.Port;
                o.ScrapeResponseCacheDurationMilliseconds = 0; // every scrape sees the counters as they are
                o.ConfigureHttpListener = (_, listener) =>
                {
                    listener.Prefixes.Clear();
                    listener.Prefixes.Add($"http://{options.Host}:{options.Port}/metrics/");
                };
            }));
        services.AddHostedService<ProbeEndpoint>();
        return services;
    }
}
