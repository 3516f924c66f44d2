using Polly;
using ScoreBatch.Storage.Abstractions;

namespace ScoreBatch.Storage.Resilience;

/// <summary>Hands out <see cref="ResilientJobQueue"/> wrappers around another provider's queues.</summary>
public sealed class ResilientJobQueueProvider(IJobQueueProvider inner, ResiliencePipeline pipeline) : IJobQueueProvider
{
    public IJobQueue GetQueue(string name) => new ResilientJobQueue(inner.GetQueue(name), pipeline);
}
