using System.Security.Cryptography;
using Microsoft.Extensions.Time.Testing;
using ScoreBatch.Storage.Artifacts;
using ScoreBatch.Storage.InMemory;

namespace ScoreBatch.Storage.Tests;

public sealed class ManifestWriterTests
{
    private readonly InMemoryArtifactStore _store = new();
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task WriteAsync_AllOutputs_ListsFilesWithSizeAndSha256ExceptStatus()
    {
        await _store.WriteAsync("out/run1/scores/0001.npy", BinaryData.FromString("abc"), false, CancellationToken.None);
        await _store.WriteAsync("out/run1/summary.csv", BinaryData.FromString("id,score\n"), false, CancellationToken.None);
        await _store.WriteAsync("out/run1/status.json", BinaryData.FromString("{}"), false, CancellationToken.None);
        await _store.WriteAsync("out/run10/other.npy", BinaryData.FromString("x"), false, CancellationToken.None);

        var m = await ManifestWriter.WriteAsync(_store, "out/run1", "j1", "score", _time, null, CancellationToken.None);

        Assert.Equal(["scores/0001.npy", "summary.csv"], m.Files.Select(f => f.Path));
        Assert.Equal(3, m.Files[0].Size);
        // SHA-256("abc") is the FIPS 180-2 test vector.
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", m.Files[0].Sha256);
        Assert.True(await ManifestWriter.ExistsAsync(_store, "out/run1", CancellationToken.None));
    }

    [Fact]
    public async Task WriteAsync_ManifestAlreadyThere_ReturnsExistingUnchanged()
    {
        await _store.WriteAsync("out/run1/a.npy", BinaryData.FromString("a"), false, CancellationToken.None);
        var first = await ManifestWriter.WriteAsync(_store, "out/run1", "j1", "score", _time, ["a.npy"], CancellationToken.None);
        _time.Advance(TimeSpan.FromHours(1));
        await _store.WriteAsync("out/run1/b.npy", BinaryData.FromString("b"), false, CancellationToken.None);
        var second = await ManifestWriter.WriteAsync(_store, "out/run1", "j1", "score", _time, null, CancellationToken.None);
        Assert.Equal(first.CompletedAt, second.CompletedAt);
        Assert.Single(second.Files);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData("a"u8)), second.Files[0].Sha256);
    }
}
