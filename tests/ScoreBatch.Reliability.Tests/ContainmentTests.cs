using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Storage.Abstractions;
using ScoreBatch.Storage.InMemory;
using ScoreBatch.Storage.Resilience;
using ScoreBatch.Worker.Runner;

namespace ScoreBatch.Reliability.Tests;

/// <summary>
/// Names that come from messages or input listings cannot escape the job's output prefix or its cache folder, and
/// the storage failures the SDK reports after its own retries count as transient.
/// </summary>
public sealed class ContainmentTests
{
    private static readonly JobRequest Request = new() { Id = "job-1", Kind = "score", Input = "inputs/batch", Output = "outputs/job-1" };

    private static JobScopedArtifactStore Store(InMemoryArtifactStore inner) => new(inner, Request, new JobLimits());

    [Theory]
    [InlineData("outputs/job-1/../job-2/scores/a.npy")]
    [InlineData("outputs/job-10/scores/a.npy")]
    [InlineData("outputs/job-2/scores/a.npy")]
    [InlineData("inputs/batch/a.npy")]
    [InlineData("/outputs/job-1/a.npy")]
    [InlineData("outputs/job-1/./a.npy")]
    [InlineData("outputs/job-1//a.npy")]
    [InlineData("outputs/job-1\\a.npy")]
    [InlineData("outputs/job-1")]
    public async Task Write_OutsideTheOutputPrefix_RefusedNamingThePathAndNothingWritten(string path)
    {
        var inner = new InMemoryArtifactStore();

        var e = await Assert.ThrowsAsync<JobValidationException>(() => Store(inner).WriteAsync(path, BinaryData.FromString("x"), overwrite: true, CancellationToken.None));

        Assert.Equal(path, e.Field);
        foreach (var container in new[] { "outputs/", "inputs/" })
        {
            await foreach (var info in inner.ListAsync(container, CancellationToken.None)) Assert.Fail($"{info.Path} was written");
        }
    }

    [Fact]
    public async Task WriteAndDelete_InsideTheOutputPrefix_PassThrough()
    {
        var inner = new InMemoryArtifactStore();
        var store = Store(inner);

        Assert.True(await store.WriteAsync("outputs/job-1/scores/a.npy", BinaryData.FromString("x"), overwrite: false, CancellationToken.None));
        Assert.NotNull(await store.WriteConditionalAsync("outputs/job-1/status-copy.json", BinaryData.FromString("{}"), null, CancellationToken.None));
        Assert.True(await store.DeleteAsync("outputs/job-1/scores/a.npy", CancellationToken.None));
        await Assert.ThrowsAsync<JobValidationException>(() => store.DeleteAsync("inputs/batch/a.npy", CancellationToken.None));
    }

    [Theory]
    [InlineData("..")]
    [InlineData("../../etc")]
    [InlineData("/tmp/x")]
    [InlineData(".hidden")]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    public void Parser_IdsThatWouldLeaveTheCacheFolder_Rejected(string id)
    {
        var parser = new JobMessageParser(k => k == "score", () => ["score"]);

        var parsed = parser.Parse("{\"schema\":1,\"id\":" + System.Text.Json.JsonSerializer.Serialize(id) + ",\"kind\":\"score\",\"output\":\"outputs/x\"}");

        Assert.Equal("id", parsed.Problem!.Field);
    }

    [Theory]
    [InlineData("a..b")]
    [InlineData("job-1")]
    [InlineData("A.B_c-9")]
    public void Parser_AcceptedIds_StayOneFolderUnderTheCache(string id)
    {
        var parser = new JobMessageParser(k => k == "score", () => ["score"]);
        var cache = Path.Combine(Path.GetTempPath(), "scorebatch-cache");

        var parsed = parser.Parse("{\"schema\":1,\"id\":\"" + id + "\",\"kind\":\"score\",\"output\":\"outputs/x\"}");
        var folder = Path.GetFullPath(Path.Combine(cache, parsed.Request!.Id));

        Assert.Equal(cache, Path.GetDirectoryName(folder));
    }

    [Fact]
    public async Task Read_FileOverTheDownloadLimit_RefusedBeforeTheDownload()
    {
        var inner = new CountingStore();
        await inner.WriteAsync("inputs/batch/big.npy", BinaryData.FromBytes(new byte[2048]), overwrite: true, CancellationToken.None);
        var store = new JobScopedArtifactStore(inner, Request, new JobLimits { MaxDownloadBytesPerFile = 1024 });

        var e = await Assert.ThrowsAsync<JobValidationException>(() => store.ReadAsync("inputs/batch/big.npy", CancellationToken.None));

        Assert.Equal("inputs/batch/big.npy", e.Field);
        Assert.Contains("is 2048 bytes, over the limit of 1024", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, inner.Reads);
    }

    [Fact]
    public async Task Read_ListedFile_JudgedOnTheListedSizeWithoutAMetadataRequest()
    {
        // The listing already gave every input's size: reading a listed file costs one request, not two, and an
        // oversized listed file is still refused before a byte of it is read.
        var inner = new CountingStore();
        await inner.WriteAsync("inputs/batch/a.npy", BinaryData.FromBytes(new byte[512]), overwrite: true, CancellationToken.None);
        await inner.WriteAsync("inputs/batch/big.npy", BinaryData.FromBytes(new byte[2048]), overwrite: true, CancellationToken.None);
        var store = new JobScopedArtifactStore(inner, Request, new JobLimits { MaxDownloadBytesPerFile = 1024 });
        await foreach (var _ in store.ListAsync("inputs/batch/", CancellationToken.None)) { }

        Assert.Equal(512, (await store.ReadAsync("inputs/batch/a.npy", CancellationToken.None)).ToMemory().Length);
        var e = await Assert.ThrowsAsync<JobValidationException>(() => store.ReadAsync("inputs/batch/big.npy", CancellationToken.None));

        Assert.Contains("is 2048 bytes, over the limit of 1024", e.Message, StringComparison.Ordinal);
        Assert.Equal((0, 1), (inner.InfoRequests, inner.Reads));
    }

    [Fact]
    public void TransientFaults_SdkRetriesExhaustedOnRefusedConnections_Transient()
    {
        var refused = new Azure.RequestFailedException(0, "Connection refused (127.0.0.1:1)", new HttpRequestException("Connection refused"));

        Assert.True(TransientFaults.IsTransient(new AggregateException("Retry failed after 2 tries.", refused, refused)));
        Assert.False(TransientFaults.IsTransient(new AggregateException(refused, new Azure.RequestFailedException(403, "AuthorizationFailure"))));
        Assert.False(TransientFaults.IsTransient(new AggregateException()));
    }

    /// <summary>An in-memory store that counts whole-artifact reads and metadata requests.</summary>
    private sealed class CountingStore : IArtifactStore
    {
        private readonly InMemoryArtifactStore _inner = new();

        public int Reads { get; private set; }

        public IAsyncEnumerable<ArtifactInfo> ListAsync(string prefix, CancellationToken cancellationToken) => _inner.ListAsync(prefix, cancellationToken);

        public Task<BinaryData> ReadAsync(string path, CancellationToken cancellationToken)
        {
            Reads++;
            return _inner.ReadAsync(path, cancellationToken);
        }

        public Task<ArtifactContent?> TryReadAsync(string path, CancellationToken cancellationToken)
        {
            Reads++;
            return _inner.TryReadAsync(path, cancellationToken);
        }

        public int InfoRequests { get; private set; }

        public Task<ArtifactInfo?> GetInfoAsync(string path, CancellationToken cancellationToken)
        {
            InfoRequests++;
            return _inner.GetInfoAsync(path, cancellationToken);
        }

        public Task<bool> WriteAsync(string path, BinaryData content, bool overwrite, CancellationToken cancellationToken)
            => _inner.WriteAsync(path, content, overwrite, cancellationToken);

        public Task<string?> WriteConditionalAsync(string path, BinaryData content, string? ifMatchETag, CancellationToken cancellationToken)
            => _inner.WriteConditionalAsync(path, content, ifMatchETag, cancellationToken);

        public Task<bool> DeleteAsync(string path, CancellationToken cancellationToken) => _inner.DeleteAsync(path, cancellationToken);
    }
}
