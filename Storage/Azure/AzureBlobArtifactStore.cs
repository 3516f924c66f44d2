using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using ScoreBatch.Storage.Abstractions;

namespace ScoreBatch.Storage.Azure;

/// <summary>
/// <see cref="IArtifactStore"/> on Azure Blob Storage (or Azurite): "container/name" maps to a block blob.
/// Containers are created on first write. Conditional writes use If-None-Match: * and If-Match.
/// Single requests are retried by the SDK (set low); whole operations by the resilience pipelines around this class.
/// </summary>
public sealed class AzureBlobArtifactStore(BlobServiceClient service) : IArtifactStore
{
    private readonly ConcurrentDictionary<string, Task> _createdContainers = new(StringComparer.Ordinal);

    public async IAsyncEnumerable<ArtifactInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArtifactPath.Validate(prefix, nameof(prefix), requireBlobName: false);
        var (container, namePrefix) = ArtifactPath.Split(prefix);
        var client = service.GetBlobContainerClient(container);
        var pages = client.GetBlobsAsync(new GetBlobsOptions { Prefix = namePrefix.Length == 0 ? null : namePrefix }, cancellationToken);
        await using var e = pages.GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            try
            {
                if (!await e.MoveNextAsync().ConfigureAwait(false)) yield break;
            }
            catch (RequestFailedException ex) when (ex.ErrorCode == BlobErrorCode.ContainerNotFound)
            {
                yield break;
            }
            var item = e.Current;
            yield return new ArtifactInfo(container + "/" + item.Name, item.Properties.ContentLength ?? 0,
                item.Properties.ETag?.ToString("H") ?? "", item.Properties.LastModified ?? DateTimeOffset.MinValue);
        }
    }

    public async Task<BinaryData> ReadAsync(string path, CancellationToken cancellationToken)
        => (await TryReadAsync(path, cancellationToken).ConfigureAwait(false))?.Content ?? throw new ArtifactNotFoundException(path);

    public async Task<ArtifactContent?> TryReadAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            var result = await Blob(path).DownloadContentAsync(cancellationToken).ConfigureAwait(false);
            return new ArtifactContent(result.Value.Content, result.Value.Details.ETag.ToString("H"));
        }
        catch (RequestFailedException ex) when (IsNotFound(ex))
        {
            return null;
        }
    }

    public async Task<ArtifactInfo?> GetInfoAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            var p = await Blob(path).GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            return new ArtifactInfo(path, p.Value.ContentLength, p.Value.ETag.ToString("H"), p.Value.LastModified);
        }
        catch (RequestFailedException ex) when (IsNotFound(ex))
        {
            return null;
        }
    }

    public async Task<bool> WriteAsync(string path, BinaryData content, bool overwrite, CancellationToken cancellationToken)
    {
        if (!overwrite) return await WriteConditionalAsync(path, content, null, cancellationToken).ConfigureAwait(false) is not null;
        await UploadAsync(path, content, null, cancellationToken).ConfigureAwait(false);
        return true;
    }

    public async Task<string?> WriteConditionalAsync(string path, BinaryData content, string? ifMatchETag, CancellationToken cancellationToken)
    {
        var conditions = ifMatchETag is null
            ? new BlobRequestConditions { IfNoneMatch = ETag.All }
            : new BlobRequestConditions { IfMatch = new ETag(ifMatchETag) };
        try
        {
            return await UploadAsync(path, content, conditions, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412
            || ex.ErrorCode == BlobErrorCode.BlobAlreadyExists || ex.ErrorCode == BlobErrorCode.ConditionNotMet)
        {
            return null;
        }
        catch (RequestFailedException ex) when (ifMatchETag is not null && IsNotFound(ex))
        {
            return null;
        }
    }

    public async Task<bool> DeleteAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            var r = await Blob(path).DeleteIfExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            return r.Value;
        }
        catch (RequestFailedException ex) when (ex.ErrorCode == BlobErrorCode.ContainerNotFound)
        {
            return false;
        }
    }

    private async Task<string> UploadAsync(string path, BinaryData content, BlobRequestConditions? conditions, CancellationToken cancellationToken)
    {
        var (container, _) = ArtifactPath.Split(ArtifactPath.Validate(path, nameof(path)));
        await EnsureContainerAsync(container, cancellationToken).ConfigureAwait(false);
        var options = new BlobUploadOptions { Conditions = conditions };
        var r = await Blob(path).UploadAsync(content, options, cancellationToken).ConfigureAwait(false);
        return r.Value.ETag.ToString("H");
    }

    private Task EnsureContainerAsync(string container, CancellationToken cancellationToken)
    {
        var task = _createdContainers.GetOrAdd(container,
            c => service.GetBlobContainerClient(c).CreateIfNotExistsAsync(cancellationToken: CancellationToken.None));
        if (task.IsFaulted || task.IsCanceled) _createdContainers.TryRemove(new(container, task));
        return task.WaitAsync(cancellationToken);
    }

    private BlobClient Blob(string path)
    {
        var (container, name) = ArtifactPath.Split(ArtifactPath.Validate(path, nameof(path)));
        return service.GetBlobContainerClient(container).GetBlobClient(name);
    }

    private static bool IsNotFound(RequestFailedException ex)
        => ex.Status == 404 || ex.ErrorCode == BlobErrorCode.BlobNotFound || ex.ErrorCode == BlobErrorCode.ContainerNotFound;
}
