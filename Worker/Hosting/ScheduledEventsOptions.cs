namespace ScoreBatch.Worker.Hosting;

/// <summary>
/// Azure Scheduled Events polling (section "ScoreBatch:ScheduledEvents", environment
/// SCOREBATCH__SCHEDULEDEVENTS__ENDPOINT=...). On a VM scale set a spot eviction arrives as a "Preempt" event about
/// 30 s ahead, a scale-in as "Terminate"; SIGTERM may come later than that or not at all, so a worker that polls
/// drains on the notice itself (<see cref="ScheduledEventsWatcher"/>).
/// </summary>
public sealed record ScheduledEventsOptions
{
    public const string SectionName = "ScoreBatch:ScheduledEvents";

    /// <summary>The instance metadata endpoint; empty (the default) polls nothing. On Azure:
    /// http://169.254.169.254/metadata/scheduledevents?api-version=2020-07-01 (Infra/vmss sets it).</summary>
    public string Endpoint { get; set; } = "";

    /// <summary>Time between polls. 5 s: a 30 s notice leaves the worker about 25 s, its ShutdownTimeout.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>This VM's name as events list it in "Resources" (e.g. "scorebatch_3"); empty: any Preempt or
    /// Terminate event of the document counts (the endpoint only lists events of this VM's scale set).</summary>
    public string InstanceName { get; set; } = "";

    /// <summary>The errors in these settings, each naming the setting and the value.</summary>
    public IReadOnlyList<string> Check()
    {
        var errors = new List<string>();
        if (Endpoint.Length > 0 && (!Uri.TryCreate(Endpoint, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp))
            errors.Add($"{SectionName}:Endpoint must be an http:// URL (the instance metadata service), got '{Endpoint}'");
        if (PollInterval < TimeSpan.FromMilliseconds(100) || PollInterval > TimeSpan.FromMinutes(1))
            errors.Add($"{SectionName}:PollInterval must be between 00:00:00.1 and 00:01:00, got {PollInterval}");
        return errors;
    }
}
