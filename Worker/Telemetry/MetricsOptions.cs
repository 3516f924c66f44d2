namespace ScoreBatch.Worker.Telemetry;

/// <summary>
/// The optional HTTP port of a worker (section "ScoreBatch:Metrics", environment SCOREBATCH__METRICS__PORT, or
/// `scorebatch worker --metrics-port N`): Prometheus metrics at /metrics, liveness at /healthz, readiness at /readyz.
/// </summary>
public sealed record MetricsOptions
{
    public const string SectionName = "ScoreBatch:Metrics";

    /// <summary>TCP port; 0 (the default) serves nothing. 9464 is the OpenTelemetry Prometheus convention.</summary>
    public int Port { get; set; }

    /// <summary>Host part of the listener's prefixes. "+" (the default) answers on every interface, as a pod's
    /// probes and Prometheus need; "localhost" keeps it on loopback.</summary>
    public string Host { get; set; } = "+";

    /// <summary>/healthz fails when the runner's heartbeat is older than this. 3 min, as `scorebatch health`:
    /// the loop beats at least every MaxPollDelay and every ProgressInterval, so only a hung worker goes stale.</summary>
    public TimeSpan LivenessMaxAge { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>The errors in these settings, each naming the setting and the value; empty when they are fine.</summary>
    public IReadOnlyList<string> Check()
    {
        var errors = new List<string>();
        if (Port is < 0 or > 65535) errors.Add($"{SectionName}:Port must be 0 (off) or 1-65535, got {Port}");
        if (string.IsNullOrWhiteSpace(Host) || Host.Contains('/', StringComparison.Ordinal)) errors.Add($"{SectionName}:Host must be a host name, '+' or '*', got '{Host}'");
        if (LivenessMaxAge <= TimeSpan.Zero) errors.Add($"{SectionName}:LivenessMaxAge must be positive, got {LivenessMaxAge}");
        return errors;
    }
}
