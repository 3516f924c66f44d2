using ScoreBatch.Storage.Abstractions;

namespace ScoreBatch.Storage.Tests.Contracts;

/// <summary>The behaviour every <see cref="IArtifactStore"/> must show; run against each adapter.</summary>
public abstract class ArtifactStoreContract
{
    protected abstract IArtifactStore Store { get; }

    /// <summary>A container no other test uses.</summary>
    protected string Container { get; } = $"c{Guid.NewGuid():N}"[..24];

    /// <summary>Bounds each test: a hung storage call fails the test instead of the run.</summary>
    private CancellationToken Ct { get; } = new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    [Fact]
    public async Task WriteAsync_NewPath_ReadReturnsSameBytes()
    {
        var path = $"{Container}/run1/a.bin";
        Assert.True(await Store.WriteAsync(path, BinaryData.FromBytes([1, 2, 3, 250]), overwrite: false, Ct));
        Assert.Equal(new byte[] { 1, 2, 3, 250 }, (await Store.ReadAsync(path, Ct)).ToArray());
    }

    [Fact]
    public async Task WriteAsync_ExistingWithoutOverwrite_ReturnsFalseAndKeepsContent()
    {
        var path = $"{Container}/run1/a.txt";
        await Store.WriteAsync(path, BinaryData.FromString("first"), overwrite: false, Ct);
        Assert.False(await Store.WriteAsync(path, BinaryData.FromString("second"), overwrite: false, Ct));
        Assert.Equal("first", (await Store.ReadAsync(path, Ct)).ToString());
    }

    [Fact]
    public async Task WriteAsync_ExistingWithOverwrite_ReplacesContent()
    {
        var path = $"{Container}/run1/a.txt";
        await Store.WriteAsync(path, BinaryData.FromString("first"), overwrite: false, Ct);
        Assert.True(await Store.WriteAsync(path, BinaryData.FromString("second"), overwrite: true, Ct));
        Assert.Equal("second", (await Store.ReadAsync(path, Ct)).ToString());
    }

    [Fact]
    public async Task WriteConditionalAsync_CurrentETag_WritesAndChangesETag()
    {
        var path = $"{Container}/s/status.json";
        var e1 = await Store.WriteConditionalAsync(path, BinaryData.FromString("v1"), null, Ct);
        Assert.NotNull(e1);
        var e2 = await Store.WriteConditionalAsync(path, BinaryData.FromString("v2"), e1, Ct);
        Assert.NotNull(e2);
        Assert.NotEqual(e1, e2);
        var read = await Store.TryReadAsync(path, Ct);
        Assert.Equal("v2", read!.Content.ToString());
        Assert.Equal(e2, read.ETag);
    }

    [Fact]
    public async Task WriteConditionalAsync_StaleETag_ReturnsNullAndKeepsContent()
    {
        var path = $"{Container}/s/status.json";
        var e1 = await Store.WriteConditionalAsync(path, BinaryData.FromString("v1"), null, Ct);
        await Store.WriteConditionalAsync(path, BinaryData.FromString("v2"), e1, Ct);
        Assert.Null(await Store.WriteConditionalAsync(path, BinaryData.FromString("v3"), e1, Ct));
        Assert.Equal("v2", (await Store.ReadAsync(path, Ct)).ToString());
    }

    [Fact]
    public async Task WriteConditionalAsync_NoETagButExists_ReturnsNull()
    {
        var path = $"{Container}/s/status.json";
        await Store.WriteAsync(path, BinaryData.FromString("v1"), overwrite: true, Ct);
        Assert.Null(await Store.WriteConditionalAsync(path, BinaryData.FromString("v2"), null, Ct));
    }

    [Fact]
    public async Task WriteConditionalAsync_ETagButMissing_ReturnsNull()
        => Assert.Null(await Store.WriteConditionalAsync($"{Container}/s/none.json", BinaryData.FromString("v"), "\"0x1\"", Ct));

    [Fact]
    public async Task ReadAsync_Missing_ThrowsArtifactNotFoundNamingPath()
    {
        var path = $"{Container}/missing.bin";
        var e = await Assert.ThrowsAsync<ArtifactNotFoundException>(() => Store.ReadAsync(path, Ct));
        Assert.Equal(path, e.Path);
        Assert.Null(await Store.TryReadAsync(path, Ct));
        Assert.Null(await Store.GetInfoAsync(path, Ct));
    }

    [Fact]
    public async Task GetInfoAsync_Existing_ReportsSizeAndETag()
    {
        var path = $"{Container}/x/y.bin";
        await Store.WriteAsync(path, BinaryData.FromBytes(new byte[1000]), overwrite: false, Ct);
        var info = await Store.GetInfoAsync(path, Ct);
        Assert.NotNull(info);
        Assert.Equal(path, info.Path);
        Assert.Equal(1000, info.Size);
        Assert.False(string.IsNullOrEmpty(info.ETag));
    }

    [Fact]
    public async Task ListAsync_Prefix_ReturnsOnlyMatchesInOrdinalOrder()
    {
        foreach (var n in new[] { "out/run1/b.npy", "out/run1/a/z.npy", "out/run1/B.npy", "out/run10/a.npy", "in/q.npy" })
            await Store.WriteAsync($"{Container}/{n}", BinaryData.FromString(n), overwrite: false, Ct);
        var listed = new List<string>();
        await foreach (var i in Store.ListAsync($"{Container}/out/run1/", Ct)) listed.Add(i.Path);
        Assert.Equal([$"{Container}/out/run1/B.npy", $"{Container}/out/run1/a/z.npy", $"{Container}/out/run1/b.npy"], listed);
    }

    [Fact]
    public async Task ListAsync_WholeContainer_ListsEverything()
    {
        await Store.WriteAsync($"{Container}/a", BinaryData.FromString("1"), overwrite: false, Ct);
        await Store.WriteAsync($"{Container}/d/b", BinaryData.FromString("22"), overwrite: false, Ct);
        var listed = new List<ArtifactInfo>();
        await foreach (var i in Store.ListAsync(Container, Ct)) listed.Add(i);
        Assert.Equal([$"{Container}/a", $"{Container}/d/b"], listed.Select(i => i.Path));
        Assert.Equal([1L, 2L], listed.Select(i => i.Size));
    }

    [Fact]
    public async Task ListAsync_MissingContainer_IsEmpty()
    {
        var any = false;
        await foreach (var _ in Store.ListAsync($"{Container}/nothing/", Ct)) any = true;
        Assert.False(any);
    }

    [Fact]
    public async Task DeleteAsync_ExistingThenAgain_TrueThenFalse()
    {
        var path = $"{Container}/d.bin";
        await Store.WriteAsync(path, BinaryData.FromString("x"), overwrite: false, Ct);
        Assert.True(await Store.DeleteAsync(path, Ct));
        Assert.False(await Store.DeleteAsync(path, Ct));
        Assert.Null(await Store.GetInfoAsync(path, Ct));
    }

    [Theory]
    [InlineData("{0}/../escape.bin")]
    [InlineData("/{0}/abs.bin")]
    [InlineData("Bad_Container/x.bin")]
    [InlineData("{0}/a//b.bin")]
    public async Task WriteAsync_InvalidPath_ThrowsInvalidArtifactPath(string pattern)
    {
        var path = string.Format(System.Globalization.CultureInfo.InvariantCulture, pattern, Container);
        await Assert.ThrowsAsync<InvalidArtifactPathException>(() => Store.WriteAsync(path, BinaryData.FromString("x"), overwrite: true, Ct));
    }
}
