using ScoreBatch.Storage.Abstractions;
using ScoreBatch.Storage.Local;
using ScoreBatch.Storage.Tests.Contracts;

namespace ScoreBatch.Storage.Tests.Adapters;

public sealed class LocalFolderArtifactStoreTests : ArtifactStoreContract, IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("scorebatch-store-");
    private readonly LocalFolderArtifactStore _store;

    public LocalFolderArtifactStoreTests() => _store = new LocalFolderArtifactStore(_root.FullName);

    protected override IArtifactStore Store => _store;

    [Fact]
    public async Task WriteAsync_Path_LandsAsFileUnderRootWithoutTemporaries()
    {
        await _store.WriteAsync($"{Container}/a/b.txt", BinaryData.FromString("hi"), overwrite: false, CancellationToken.None);
        Assert.Equal("hi", await File.ReadAllTextAsync(Path.Combine(_root.FullName, Container, "a", "b.txt")));
        Assert.Single(Directory.GetFiles(_root.FullName, "*", SearchOption.AllDirectories));
    }

    public void Dispose() => _root.Delete(recursive: true);
}

public sealed class LocalFolderStatusStoreTests : StatusStoreContract, IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("scorebatch-status-");

    public LocalFolderStatusStoreTests() => Store = new LocalFolderArtifactStore(_root.FullName);

    protected override IArtifactStore Store { get; }

    public void Dispose() => _root.Delete(recursive: true);
}
