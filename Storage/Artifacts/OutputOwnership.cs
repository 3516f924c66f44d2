using ScoreBatch.Storage.Abstractions;

namespace ScoreBatch.Storage.Artifacts;

/// <summary>The answer to a claim: whether the caller owns the prefix, and who does.</summary>
/// <param name="Owned">True when <paramref name="Owner"/> is the claiming job (a fresh claim, or a redelivery of the owner).</param>
/// <param name="Owner">The owner now on record.</param>
public sealed record OwnershipClaim(bool Owned, OutputOwner Owner)
{
    /// <summary>One line naming the output and its owner, for a refused job's poison reason or `submit`'s error.</summary>
    public string Refusal(string output, string jobId)
        => $"'{output}' belongs to {Owner.Describe()}; job '{jobId}' cannot write there (one job per output prefix: choose another output, or resubmit '{Owner.JobId}' itself)";
}

/// <summary>
/// Claims and reads "&lt;output&gt;/_OWNER" (<see cref="OutputOwner"/>). An output finished before owner records
/// existed counts as owned by the job its _SUCCESS names.
/// </summary>
public static class OutputOwnership
{
    /// <summary>
    /// Claims <paramref name="output"/> for <paramref name="jobId"/>: writes the owner record unless one exists
    /// (If-None-Match: *; one request on the common path, where the prefix is new). Owned is true for a new claim
    /// and for the same job id again; false, changing nothing, when another job owns it (or an unreadable record is
    /// there). A finished manifest without an owner record is the caller's to check first (<see cref="ReadAsync"/>):
    /// the runner and `submit` both look at _SUCCESS before they claim.
    /// </summary>
    public static async Task<OwnershipClaim> ClaimAsync(IArtifactStore store, string output, string jobId, string kind, string claimedBy,
        TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(time);
        var mine = new OutputOwner(jobId, kind, time.GetUtcNow(), claimedBy);
        if (await store.WriteAsync(OutputLayout.OwnerPath(output), BinaryData.FromString(mine.ToJson()), overwrite: false, cancellationToken).ConfigureAwait(false))
            return new OwnershipClaim(true, mine);
        var record = await store.TryReadAsync(OutputLayout.OwnerPath(output), cancellationToken).ConfigureAwait(false);
        var owner = record is null ? Unreadable : OutputOwner.TryFromJson(record.Content.ToString()) ?? Unreadable;
        return new OwnershipClaim(owner.JobId == jobId, owner);
    }

    /// <summary>
    /// The owner on record: _OWNER, else the job a _SUCCESS manifest names (outputs finished before owner records
    /// existed), else null (unclaimed).
    /// </summary>
    public static async Task<OutputOwner?> ReadAsync(IArtifactStore store, string output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var record = await store.TryReadAsync(OutputLayout.OwnerPath(output), cancellationToken).ConfigureAwait(false);
        if (record is not null) return OutputOwner.TryFromJson(record.Content.ToString()) ?? Unreadable;
        var manifest = await ManifestWriter.ReadAsync(store, output, cancellationToken).ConfigureAwait(false);
        return manifest is null ? null : new OutputOwner(manifest.JobId, manifest.Kind, manifest.CompletedAt, "_SUCCESS");
    }

    /// <summary>Stands for an _OWNER whose content is not an owner record: the prefix is taken, by nobody a job can be.</summary>
    private static OutputOwner Unreadable { get; } = new("(unreadable _OWNER)", "unknown", DateTimeOffset.MinValue);
}
