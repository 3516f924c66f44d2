namespace ScoreBatch.Worker.Runner;

/// <summary>
/// A job's priority is the queue it waits in: high in "&lt;QueueName&gt;-high", normal in "&lt;QueueName&gt;", low in
/// "&lt;QueueName&gt;-low". One poison queue ("&lt;QueueName&gt;-poison") serves all three.
/// </summary>
public enum JobPriority
{
    High,
    Normal,
    Low,
}

/// <summary>Queue names of the priorities.</summary>
public static class PriorityQueues
{
    /// <summary>The priorities, highest first.</summary>
    public static IReadOnlyList<JobPriority> All { get; } = [JobPriority.High, JobPriority.Normal, JobPriority.Low];

    public static string QueueFor(string queueName, JobPriority priority) => priority switch
    {
        JobPriority.High => queueName + "-high",
        JobPriority.Normal => queueName,
        JobPriority.Low => queueName + "-low",
        _ => throw new ArgumentOutOfRangeException(nameof(priority), priority, "not a priority"),
    };

    /// <summary>"high", "normal" or "low" as the command line spells it; null for anything else.</summary>
    public static JobPriority? Parse(string? text) => text?.ToLowerInvariant() switch
    {
        "high" => JobPriority.High,
        "normal" => JobPriority.Normal,
        "low" => JobPriority.Low,
        _ => null,
    };
}
