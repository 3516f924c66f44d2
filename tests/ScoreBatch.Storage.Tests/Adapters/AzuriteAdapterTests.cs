using ScoreBatch.Storage.Abstractions;
using ScoreBatch.Storage.Azure;
using ScoreBatch.Storage.Tests.Contracts;
using ScoreBatch.Tests.Shared;

namespace ScoreBatch.Storage.Tests.Adapters;

[Collection(AzuriteCollection.Name)]
public sealed class AzureBlobArtifactStoreTests(AzuriteFixture azurite) : ArtifactStoreContract
{
    protected override IArtifactStore Store { get; } = new AzureBlobArtifactStore(azurite.BlobService());
}

[Collection(AzuriteCollection.Name)]
public sealed class AzureBlobStatusStoreTests(AzuriteFixture azurite) : StatusStoreContract
{
    protected override IArtifactStore Store { get; } = new AzureBlobArtifactStore(azurite.BlobService());
}

/// <summary>Runs against Azurite's real clock: visibility waits are real (1.5 s each, three tests).</summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzureJobQueueTests(AzuriteFixture azurite) : JobQueueContract
{
    protected override IJobQueue Queue { get; } = new AzureJobQueueProvider(azurite.QueueService()).GetQueue(AzuriteFixture.UniqueName("q"));

    protected override Task PassTimeAsync(TimeSpan duration) => Task.Delay(duration, Ct);
}
