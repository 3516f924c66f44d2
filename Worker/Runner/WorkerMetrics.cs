using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ScoreBatch.Worker.Runner;

/// <summary>
/// The runner's instruments (meter "ScoreBatch.Worker"), exported for Prometheus when the metrics port is on
/// (Worker/Telemetry). Names as Prometheus shows them: counters end in "_total", durations in "_seconds".
/// Instruments cost a few nanoseconds when nothing listens, so they are always recorded.
/// </summary>
public static class WorkerMetrics
{
    public const string MeterName = "ScoreBatch.Worker";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>scorebatch_jobs_started_total{kind,queue}: attempts that reached the handler.</summary>
    public static readonly Counter<long> JobsStarted = Meter.CreateCounter<long>("scorebatch.jobs.started", description: "Job attempts started, by kind");

    /// <summary>scorebatch_jobs_succeeded_total{kind,queue}.</summary>
    public static readonly Counter<long> JobsSucceeded = Meter.CreateCounter<long>("scorebatch.jobs.succeeded", description: "Jobs completed, by kind");

    /// <summary>scorebatch_jobs_failed_total{kind,queue}: attempts that threw and will be retried.</summary>
    public static readonly Counter<long> JobsFailed = Meter.CreateCounter<long>("scorebatch.jobs.failed", description: "Failed attempts that will be retried, by kind");

    /// <summary>scorebatch_jobs_poisoned_total{kind,queue}: messages given up (poison queue).</summary>
    public static readonly Counter<long> JobsPoisoned = Meter.CreateCounter<long>("scorebatch.jobs.poisoned", description: "Messages sent to the poison queue, by kind");

    /// <summary>scorebatch_jobs_cancelled_total{kind,queue}.</summary>
    public static readonly Counter<long> JobsCancelled = Meter.CreateCounter<long>("scorebatch.jobs.cancelled", description: "Jobs cancelled, by kind");

    /// <summary>scorebatch_attempt_duration_seconds{kind,queue,outcome}: handler start to the last outcome write.</summary>
    public static readonly Histogram<double> AttemptDuration = Meter.CreateHistogram<double>("scorebatch.attempt.duration", unit: "s",
        description: "Duration of one job attempt, by kind and outcome",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 14_400, 86_400] });

    /// <summary>scorebatch_lease_renewals_total{result}: visibility renewals (ok, failed, lost).</summary>
    public static readonly Counter<long> LeaseRenewals = Meter.CreateCounter<long>("scorebatch.lease.renewals", description: "Message visibility renewals, by result");

    /// <summary>scorebatch_queue_lag_seconds{queue}: message age at dequeue (time since it was enqueued).</summary>
    public static readonly Histogram<double> QueueLag = Meter.CreateHistogram<double>("scorebatch.queue.lag", unit: "s",
        description: "Age of a message when a worker received it",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 1, 5, 30, 60, 300, 900, 3600, 14_400, 86_400] });

    /// <summary>The tags of a job's instruments: its kind and the queue its message came from.</summary>
    public static TagList Job(string kind, string queue) => new() { { "kind", kind }, { "queue", queue } };
}
