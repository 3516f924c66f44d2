using Polly;
using ScoreBatch.Storage.Abstractions;
using ScoreBatch.Storage.Artifacts;

namespace ScoreBatch.Storage.Status;

/// <summary>
/// <see cref="IStatusStore"/> over any <see cref="IArtifactStore"/>: status.json is written with If-Match on the ETag
/// it was read at (If-None-Match: * when new), and a lost race is resolved by re-reading and re-applying.
/// Each whole read-modify-write runs in the "status" pipeline.
/// </summary>
public sealed class BlobStatusStore(IArtifactStore store, ResiliencePipeline pipeline) : IStatusStore
{
    /// <summary>Read-modify-write rounds before giving up on a status.json that keeps changing under us.</summary>
    public const int MaxConflictRounds = 8;

    public async Task<JobStatus?> GetAsync(string output, CancellationToken cancellationToken)
    {
        var path = OutputLayout.StatusPath(output);
        var content = await pipeline.ExecuteAsync(async ct => await store.TryReadAsync(path, ct).ConfigureAwait(false), cancellationToken)
            .ConfigureAwait(false);
        return content is null ? null : JobStatus.FromJson(content.Content.ToString());
    }

    public async Task<JobStatus> UpdateAsync(string output, Func<JobStatus?, JobStatus> update, CancellationToken cancellationToken)
    {
        var path = OutputLayout.StatusPath(output);
        return await pipeline.ExecuteAsync(async ct =>
        {
            for (var round = 1; round <= MaxConflictRounds; round++)
            {
                var current = await store.TryReadAsync(path, ct).ConfigureAwait(false);
                var next = update(current is null ? null : JobStatus.FromJson(current.Content.ToString()));
                var etag = await store.WriteConditionalAsync(path, BinaryData.FromString(next.ToJson()), current?.ETag, ct).ConfigureAwait(false);
                if (etag is not null) return next;
            }
            throw new StatusConflictException(path, MaxConflictRounds);
        }, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>status.json changed under every one of several read-modify-write rounds.</summary>
public sealed class StatusConflictException(string path, int rounds)
    : Exception($"'{path}' changed during each of {rounds} update attempts; another writer keeps updating it.");
