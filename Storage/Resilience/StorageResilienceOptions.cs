namespace ScoreBatch.Storage.Resilience;

/// <summary>Retry settings shared by the storage pipelines (section "ScoreBatch:Resilience").</summary>
public sealed record StorageResilienceOptions
{
    public const string SectionName = "ScoreBatch:Resilience";

    /// <summary>Retries after the first try of a whole operation. 4 rides out a ~10 s storage blip with the delays below.</summary>
    public int MaxRetryAttempts { get; set; } = 4;

    /// <summary>First back-off; doubled each retry, with jitter. 0.5 s is long enough to let a throttled account recover.</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(0.5);

    /// <summary>Cap on one back-off, so a long outage does not push a single wait past the renewal period.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Retries the Azure SDK itself makes per HTTP request; kept low so the two layers do not multiply.</summary>
    public int SdkMaxRetries { get; set; } = 1;

    /// <summary>Per-request network timeout given to the Azure SDK.</summary>
    public TimeSpan SdkNetworkTimeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>Fault and latency injection (Polly chaos strategies); off unless configured.</summary>
    public ChaosOptions Chaos { get; set; } = new();
}

/// <summary>
/// Chaos injection for reliability tests: when <see cref="Enabled"/>, every pipeline injects a transient
/// <see cref="ChaosFaultException"/> with probability <see cref="FaultRate"/> and a delay of <see cref="Latency"/>
/// with probability <see cref="LatencyRate"/>, inside the retry (so retries see the faults).
/// </summary>
public sealed record ChaosOptions
{
    public bool Enabled { get; set; }

    /// <summary>Probability in [0, 1] that an operation attempt fails with an injected transient fault.</summary>
    public double FaultRate { get; set; }

    /// <summary>Probability in [0, 1] that an operation attempt is delayed by <see cref="Latency"/>.</summary>
    public double LatencyRate { get; set; }

    public TimeSpan Latency { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Pipelines to inject into; empty means all of them.</summary>
    public IList<string> Pipelines { get; set; } = [];
}

/// <summary>A fault injected by the chaos strategy; classified as transient.</summary>
public sealed class ChaosFaultException(string pipeline) : IOException($"Injected transient fault in pipeline '{pipeline}'.");
