using Microsoft.Extensions.Logging;

namespace ScoreBatch.Storage.Resilience;

internal static partial class StoragePipelineLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Storage operation in {Pipeline} failed transiently; retry {Retry} in {Delay}")]
    public static partial void Retrying(ILogger logger, Exception? exception, string pipeline, int retry, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Chaos: injected {Latency} of latency in {Pipeline}")]
    public static partial void ChaosLatency(ILogger logger, TimeSpan latency, string pipeline);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Chaos: injected a transient fault in {Pipeline}")]
    public static partial void ChaosFault(ILogger logger, string pipeline);
}
