using System.Security.Cryptography;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using ScoreBatch.Storage.Abstractions;
using ScoreBatch.Storage.Artifacts;
using ScoreBatch.Storage.Azure;
using ScoreBatch.Storage.Hosting;
using ScoreBatch.Storage.Status;

namespace ScoreBatch.Reliability.Tests.Support;

/// <summary>
/// The test's own view of a storage account (no chaos, no retries beyond the SDK's one): seeds inputs, sends
/// jobs, polls status.json and audits outputs against their manifests.
/// </summary>
public sealed class StorageProbe(string connectionString)
{
    public IArtifactStore Store { get; } = new AzureBlobArtifactStore(new BlobServiceClient(connectionString,
        new BlobClientOptions(StorageServiceCollectionExtensions.BlobServiceVersion) { Retry = { MaxRetries = 1 } }));

    public IJobQueueProvider Queues { get; } = new AzureJobQueueProvider(new QueueServiceClient(connectionString,
        new QueueClientOptions(StorageServiceCollectionExtensions.QueueServiceVersion) { Retry = { MaxRetries = 1 }, MessageEncoding = QueueMessageEncoding.None }));

    public IStatusStore Status => new BlobStatusStore(Store, Polly.ResiliencePipeline.Empty);

    /// <summary>Polls status.json of <paramref name="output"/> until <paramref name="done"/> holds; throws with the last status on timeout.</summary>
    public async Task<JobStatus> WaitForStatusAsync(string output, Func<JobStatus, bool> done, TimeSpan timeout, CancellationToken ct,
        Func<string>? context = null)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        JobStatus? last = null;
        try
        {
            while (true)
            {
                last = await Status.GetAsync(output, limit.Token);
                if (last is not null && done(last)) return last;
                await Task.Delay(100, limit.Token);
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"status of {output} did not reach the expected state within {timeout}; last: {last?.ToJson() ?? "none"}\n{context?.Invoke()}");
        }
    }

    /// <summary>
    /// Checks that <paramref name="output"/> has a manifest and that it lists exactly the files under the output
    /// (besides status.json and _SUCCESS, and those <paramref name="ignore"/> holds for, by relative name), each with its
    /// size and SHA-256. Returns the manifest.
    /// </summary>
    public async Task<OutputManifest> AuditAsync(string output, CancellationToken ct, Func<string, bool>? ignore = null)
    {
        var manifest = await ManifestWriter.ReadAsync(Store, output, ct) ?? throw new InvalidOperationException($"{output} has no manifest");
        var skip = new HashSet<string>(StringComparer.Ordinal) { OutputLayout.StatusPath(output), OutputLayout.SuccessPath(output), OutputLayout.OwnerPath(output) };
        var present = new List<string>();
        await foreach (var info in Store.ListAsync(OutputLayout.ListingPrefix(output), ct))
        {
            if (!skip.Contains(info.Path) && ignore?.Invoke(ArtifactPath.RelativeTo(output, info.Path)) != true) present.Add(ArtifactPath.RelativeTo(output, info.Path));
        }
        Assert.Equal(present.Order(StringComparer.Ordinal), manifest.Files.Select(f => f.Path).Order(StringComparer.Ordinal));
        foreach (var entry in manifest.Files)
        {
            var bytes = (await Store.ReadAsync(ArtifactPath.Combine(output, entry.Path), ct)).ToMemory();
            Assert.True(entry.Size == bytes.Length, $"{output}/{entry.Path}: manifest says {entry.Size} bytes, the blob has {bytes.Length}");
            Assert.True(entry.Sha256 == Convert.ToHexStringLower(SHA256.HashData(bytes.Span)), $"{output}/{entry.Path}: SHA-256 differs from the manifest");
        }
        return manifest;
    }
}
