namespace ScoreBatch.Worker.Runner;

/// <summary>
/// The worker's settings: section "ScoreBatch" of the configuration, or environment variables
/// SCOREBATCH__QUEUENAME, SCOREBATCH__VISIBILITYTIMEOUT=00:05:00, ... Checked at start by <see cref="WorkerOptionsValidator"/>.
/// </summary>
public sealed class WorkerOptions
{
    public const string SectionName = "ScoreBatch";

    /// <summary>The job queue of normal priority; high and low priority wait in "&lt;QueueName&gt;-high" and
    /// "&lt;QueueName&gt;-low" (<see cref="PriorityQueues"/>). Poison messages of all three go to "&lt;QueueName&gt;-poison".</summary>
    public string QueueName { get; set; } = "scorebatch-jobs";

    public string PoisonQueueName => QueueName + "-poison";

    /// <summary>Receive turns per cycle for high, normal and low priority while all three have work (see
    /// <see cref="PriorityDrain"/>). "6,3,1": a low job still gets one turn in ten behind a full high queue.</summary>
    public string PriorityWeights { get; set; } = "6,3,1";

    /// <summary><see cref="PriorityWeights"/> as numbers; null when it is not three whole numbers of at least 1.</summary>
    public IReadOnlyList<int>? PriorityWeightList
    {
        get
        {
            var parts = PriorityWeights.Split(',', StringSplitOptions.TrimEntries);
            var values = parts.Select(p => int.TryParse(p, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : 0).ToArray();
            return parts.Length == PriorityQueues.All.Count && values.All(v => v is >= 1 and <= 1000) ? values : null;
        }
    }

    /// <summary>How long a received message stays hidden; renewed at half-time while the job runs. 5 min: long
    /// enough that a GC pause or slow blob call never loses a lease, short enough that a crashed worker's job
    /// comes back soon.</summary>
    public TimeSpan VisibilityTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Renewal period: half the visibility timeout, so one failed renewal still leaves time for another.</summary>
    public TimeSpan RenewalInterval => VisibilityTimeout / 2;

    /// <summary>Deliveries before a job is given up and sent to the poison queue.</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Jobs run at once by this process. 1: one GPU per worker, and the ScoreNet fills it.</summary>
    public int Concurrency { get; set; } = 1;

    /// <summary>First wait after an empty receive; doubled (with jitter) up to <see cref="MaxPollDelay"/>.</summary>
    public TimeSpan MinPollDelay { get; set; } = TimeSpan.FromSeconds(0.2);

    /// <summary>Longest wait between receives on an idle queue; 10 s bounds both latency and transaction cost.</summary>
    public TimeSpan MaxPollDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Visibility given to a message after a failed attempt, doubled per attempt, capped at the visibility timeout.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often status.json gets the job's progress (and the heartbeat file is touched) while it runs.</summary>
    public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The host's shutdown timeout: time from SIGTERM to exit. 25 s fits a 30 s spot-eviction notice and
    /// must stay below the orchestrator's termination grace period (Infra/k8s, Infra/vmss).</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(25);

    /// <summary>Time allowed for the final writes of an attempt (manifest, status, ack), independent of shutdown.</summary>
    public TimeSpan FinalizeTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Torch device for handlers: auto, cpu or cuda.</summary>
    public string Device { get; set; } = "auto";

    /// <summary>Local scratch folder for handlers (downloaded shards, temporary checkpoints).</summary>
    public string CacheDirectory { get; set; } = Path.Combine(Path.GetTempPath(), "scorebatch-cache");

    /// <summary>Recorded in status.json; defaults to host name and process id.</summary>
    public string WorkerId { get; set; } = $"{Environment.MachineName}-{Environment.ProcessId}";

    /// <summary>File touched on every loop turn and progress tick; `scorebatch health` checks its age.
    /// Empty: "&lt;CacheDirectory&gt;/heartbeat".</summary>
    public string HeartbeatFile { get; set; } = "";

    /// <summary>Stop the host after this many finished messages (0: never). For demos and batch runs.</summary>
    public int MaxJobs { get; set; }

    /// <summary>Stop the host when a receive finds nothing and the queue holds no message at all.</summary>
    public bool ExitWhenIdle { get; set; }

    public string ResolvedHeartbeatFile => HeartbeatFile.Length > 0 ? HeartbeatFile : Path.Combine(CacheDirectory, "heartbeat");
}
