using System.Diagnostics.Metrics;

namespace ScoreBatch.Storage.Resilience;

/// <summary>Instruments of the storage layer (meter "ScoreBatch.Storage"): retries by resilience pipeline,
/// scorebatch_storage_retries_total{pipeline} in Prometheus.</summary>
public static class StorageMetrics
{
    public const string MeterName = "ScoreBatch.Storage";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Whole-operation retries made by the named pipelines (blob-read, blob-write, status, queue).</summary>
    public static readonly Counter<long> Retries = Meter.CreateCounter<long>("scorebatch.storage.retries", description: "Storage operations retried, by resilience pipeline");
}
