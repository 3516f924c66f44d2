using System.Collections.Concurrent;
using Azure.Storage.Queues;
using ScoreBatch.Storage.Abstractions;

namespace ScoreBatch.Storage.Azure;

/// <summary>One <see cref="AzureJobQueue"/> per queue name from a single registered <see cref="QueueServiceClient"/>.</summary>
public sealed class AzureJobQueueProvider(QueueServiceClient service) : IJobQueueProvider
{
    private readonly ConcurrentDictionary<string, AzureJobQueue> _queues = new(StringComparer.Ordinal);

    public IJobQueue GetQueue(string name)
    {
        if (!ArtifactPath.IsValidContainerName(name))
            throw new ArgumentException($"queue name '{name}' must be 3-63 characters of a-z, 0-9 and single hyphens", nameof(name));
        return _queues.GetOrAdd(name, n => new AzureJobQueue(service.GetQueueClient(n)));
    }
}
