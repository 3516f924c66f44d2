using Microsoft.Extensions.Time.Testing;
using ScoreBatch.Storage.Abstractions;
using ScoreBatch.Storage.InMemory;
using ScoreBatch.Storage.Tests.Contracts;

namespace ScoreBatch.Storage.Tests.Adapters;

public sealed class InMemoryArtifactStoreTests : ArtifactStoreContract
{
    protected override IArtifactStore Store { get; } = new InMemoryArtifactStore();
}

public sealed class InMemoryStatusStoreTests : StatusStoreContract
{
    protected override IArtifactStore Store { get; } = new InMemoryArtifactStore();
}

public sealed class InMemoryJobQueueTests : JobQueueContract
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    public InMemoryJobQueueTests() => Queue = new InMemoryJobQueue("jobs", _time);

    protected override IJobQueue Queue { get; }

    protected override Task PassTimeAsync(TimeSpan duration)
    {
        _time.Advance(duration);
        return Task.CompletedTask;
    }
}
