using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using Polly.Simmy;
using Polly.Simmy.Fault;
using Polly.Simmy.Latency;

namespace ScoreBatch.Storage.Resilience;

/// <summary>
/// Builds one storage pipeline: chaos injection (only when configured) inside an exponential retry with jitter
/// on transient faults. Retries are counted in <see cref="RetryCounter"/> and logged.
/// </summary>
public static class StoragePipelineConfigurator
{
    public static void Configure(ResiliencePipelineBuilder builder, string name, StorageResilienceOptions options, TimeProvider time, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxRetryAttempts);
        builder.TimeProvider = time;
        builder.AddRetry(new RetryStrategyOptions
        {
            Name = $"{name}-retry",
            ShouldHandle = new PredicateBuilder().Handle<Exception>(TransientFaults.IsTransient),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            MaxRetryAttempts = options.MaxRetryAttempts,
            Delay = options.BaseDelay,
            MaxDelay = options.MaxDelay,
            OnRetry = args =>
            {
                RetryCounter.Record(name);
                StoragePipelineLog.Retrying(logger, args.Outcome.Exception, name, args.AttemptNumber + 1, args.RetryDelay);
                return ValueTask.CompletedTask;
            },
        });
        var chaos = options.Chaos;
        if (chaos.Enabled && (chaos.Pipelines.Count == 0 || chaos.Pipelines.Contains(name)))
        {
            if (chaos.FaultRate is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(options), chaos.FaultRate, "Chaos.FaultRate must be in [0, 1]");
            if (chaos.LatencyRate is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(options), chaos.LatencyRate, "Chaos.LatencyRate must be in [0, 1]");
            if (chaos.LatencyRate > 0)
            {
                builder.AddChaosLatency(new ChaosLatencyStrategyOptions
                {
                    Name = $"{name}-chaos-latency",
                    InjectionRate = chaos.LatencyRate,
                    Latency = chaos.Latency,
                    OnLatencyInjected = _ =>
                    {
                        StoragePipelineLog.ChaosLatency(logger, chaos.Latency, name);
                        return ValueTask.CompletedTask;
                    },
                });
            }
            if (chaos.FaultRate > 0)
            {
                builder.AddChaosFault(new ChaosFaultStrategyOptions
                {
                    Name = $"{name}-chaos-fault",
                    InjectionRate = chaos.FaultRate,
                    FaultGenerator = _ => ValueTask.FromResult<Exception?>(new ChaosFaultException(name)),
                    OnFaultInjected = _ =>
                    {
                        StoragePipelineLog.ChaosFault(logger, name);
                        return ValueTask.CompletedTask;
                    },
                });
            }
        }
    }
}
