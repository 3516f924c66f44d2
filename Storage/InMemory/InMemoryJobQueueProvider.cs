using System.Collections.Concurrent;
using ScoreBatch.Storage.Abstractions;

namespace ScoreBatch.Storage.InMemory;

/// <summary>One <see cref="InMemoryJobQueue"/> per name, sharing a clock.</summary>
public sealed class InMemoryJobQueueProvider(TimeProvider? time = null) : IJobQueueProvider
{
    private readonly ConcurrentDictionary<string, InMemoryJobQueue> _queues = new(StringComparer.Ordinal);

    public InMemoryJobQueue GetQueue(string name)
    {
        if (!ArtifactPath.IsValidContainerName(name))
            throw new ArgumentException($"queue name '{name}' must be 3-63 characters of a-z, 0-9 and single hyphens", nameof(name));
        return _queues.GetOrAdd(name, n => new InMemoryJobQueue(n, time));
    }

    IJobQueue IJobQueueProvider.GetQueue(string name) => GetQueue(name);
}
