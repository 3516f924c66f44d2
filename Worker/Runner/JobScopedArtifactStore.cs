using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Storage.Abstractions;
using ScoreBatch.Storage.Artifacts;

namespace ScoreBatch.Worker.Runner;

/// <summary>
/// The store a handler sees for one job attempt: the worker's store behind a gate that (1) lets writes and deletes
/// land only under the job's output prefix, whatever names a message or an input listing produced; (2) refuses to
/// download a file larger than <see cref="JobLimits.MaxDownloadBytesPerFile"/>, judged on the blob's size before
/// any byte is read (the size a listing of this attempt reported, else one metadata request) and again on the bytes
/// that arrived. What a cutout file holds is judged where it is read, by the handlers (Jobs' JobCutoutReader, with the
/// attempt's <see cref="JobContext.InputLimits"/> and <see cref="JobContext.Cutouts"/>).
/// Every refusal is a <see cref="JobValidationException"/> naming the file, so the job is poisoned
/// with that name, never retried. It also remembers the size and SHA-256 of what this attempt wrote, so the
/// manifest need not download the outputs again to hash them.
/// </summary>
public sealed class JobScopedArtifactStore(IArtifactStore inner, JobRequest request, JobLimits limits) : IArtifactStore
{
    private readonly string _outputPrefix = request.Output.TrimEnd('/') + "/";
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, WrittenFile> _written = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, ArtifactInfo> _listed = new(StringComparer.Ordinal);

    /// <summary>Size and SHA-256 of the last content this attempt wrote to each path.</summary>
    public IReadOnlyDictionary<string, WrittenFile> Written => _written;

    public async IAsyncEnumerable<ArtifactInfo> ListAsync(string prefix, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var info in inner.ListAsync(prefix, cancellationToken).ConfigureAwait(false))
        {
            _listed[info.Path] = info; // the size check of a later read needs no metadata request of its own
            yield return info;
        }
    }

    public Task<ArtifactInfo?> GetInfoAsync(string path, CancellationToken cancellationToken) => inner.GetInfoAsync(path, cancellationToken);

    public async Task<BinaryData> ReadAsync(string path, CancellationToken cancellationToken)
    {
        var info = _listed.TryGetValue(path, out var listed)
            ? listed
            : await inner.GetInfoAsync(path, cancellationToken).ConfigureAwait(false) ?? throw new ArtifactNotFoundException(path);
        CheckSize(info);
        var bytes = await inner.ReadAsync(path, cancellationToken).ConfigureAwait(false);
        CheckSize(info with { Size = bytes.ToMemory().Length });
        return bytes;
    }

    public async Task<ArtifactContent?> TryReadAsync(string path, CancellationToken cancellationToken)
    {
        var info = await inner.GetInfoAsync(path, cancellationToken).ConfigureAwait(false);
        if (info is null) return null;
        CheckSize(info);
        var content = await inner.TryReadAsync(path, cancellationToken).ConfigureAwait(false);
        if (content is null) return null;
        CheckSize(info with { Size = content.Content.ToMemory().Length });
        return content;
    }

    public async Task<bool> WriteAsync(string path, BinaryData content, bool overwrite, CancellationToken cancellationToken)
    {
        var written = await inner.WriteAsync(CheckOutput(path), content, overwrite, cancellationToken).ConfigureAwait(false);
        if (written) _written[path] = WrittenFile.Of(content);
        return written;
    }

    public async Task<string?> WriteConditionalAsync(string path, BinaryData content, string? ifMatchETag, CancellationToken cancellationToken)
    {
        var etag = await inner.WriteConditionalAsync(CheckOutput(path), content, ifMatchETag, cancellationToken).ConfigureAwait(false);
        if (etag is not null) _written[path] = WrittenFile.Of(content);
        return etag;
    }

    public async Task<bool> DeleteAsync(string path, CancellationToken cancellationToken)
    {
        _written.TryRemove(path, out _);
        return await inner.DeleteAsync(CheckOutput(path), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The name, when it is a valid artifact name strictly under the job's output prefix; else a validation error naming it.</summary>
    public string CheckOutput(string path)
    {
        if (ArtifactPath.Check(path, requireBlobName: true) is { } problem)
            throw new JobValidationException(path, $"cannot be written: {problem}");
        if (!path.StartsWith(_outputPrefix, StringComparison.Ordinal))
            throw new JobValidationException(path, $"is outside the job's output prefix '{_outputPrefix}'; a job writes only there");
        return path;
    }

    private void CheckSize(ArtifactInfo info)
    {
        if (info.Size > limits.MaxDownloadBytesPerFile)
            throw new JobValidationException(info.Path,
                $"is {info.Size} bytes, over the limit of {limits.MaxDownloadBytesPerFile} bytes per file ({JobLimits.SectionName}:MaxDownloadBytesPerFile)");
    }
}
