using System.Security.Cryptography;
using ScoreBatch.Storage.Abstractions;

namespace ScoreBatch.Storage.Artifacts;

/// <summary>
/// Writes "&lt;output&gt;/_SUCCESS" last, with If-None-Match: *, listing every output file with its size and SHA-256.
/// Handlers may call it themselves (to list exactly their outputs); otherwise the runner calls it after a
/// Completed outcome and lists everything under the output prefix except status.json and _OWNER.
/// </summary>
public static class ManifestWriter
{
    /// <summary>True when the job writing to <paramref name="output"/> has finished (its manifest exists).</summary>
    public static async Task<bool> ExistsAsync(IArtifactStore store, string output, CancellationToken cancellationToken)
        => await store.GetInfoAsync(OutputLayout.SuccessPath(output), cancellationToken).ConfigureAwait(false) is not null;

    /// <summary>Reads the manifest, or null when the job has not finished.</summary>
    public static async Task<OutputManifest?> ReadAsync(IArtifactStore store, string output, CancellationToken cancellationToken)
    {
        var c = await store.TryReadAsync(OutputLayout.SuccessPath(output), cancellationToken).ConfigureAwait(false);
        return c is null ? null : OutputManifest.FromJson(c.Content.ToString());
    }

    /// <summary>
    /// Hashes the given files (paths relative to <paramref name="output"/>; null = every file under it except
    /// status.json, _SUCCESS, _OWNER and _CANCEL) and writes the manifest if none exists. Returns the manifest now in the store:
    /// the new one, or the one an earlier attempt wrote. <paramref name="known"/> holds the size and SHA-256 of
    /// files this attempt wrote itself (full names); a listed file of the same size is not downloaded again.
    /// </summary>
    public static async Task<OutputManifest> WriteAsync(IArtifactStore store, string output, string jobId, string kind,
        TimeProvider time, IEnumerable<string>? relativeFiles, CancellationToken cancellationToken,
        IReadOnlyDictionary<string, WrittenFile>? known = null)
    {
        var existing = await ReadAsync(store, output, cancellationToken).ConfigureAwait(false);
        if (existing is not null) return existing;

        var listed = relativeFiles is null ? await ListOutputsAsync(store, output, cancellationToken).ConfigureAwait(false) : null;
        var files = relativeFiles is not null
            ? relativeFiles.Select(r => ArtifactPath.Combine(output, r)).Order(StringComparer.Ordinal).ToList()
            : [.. listed!.Keys];
        var entries = new List<ManifestEntry>(files.Count);
        foreach (var path in files)
        {
            if (known is not null && known.TryGetValue(path, out var mine)
                && (listed is not null && listed.TryGetValue(path, out var info) ? info : await store.GetInfoAsync(path, cancellationToken).ConfigureAwait(false))
                    is { } current && current.Size == mine.Size)
            {
                entries.Add(new ManifestEntry(ArtifactPath.RelativeTo(output, path), mine.Size, mine.Sha256));
                continue;
            }
            var bytes = await store.ReadAsync(path, cancellationToken).ConfigureAwait(false);
            var hash = Convert.ToHexStringLower(SHA256.HashData(bytes.ToMemory().Span));
            entries.Add(new ManifestEntry(ArtifactPath.RelativeTo(output, path), bytes.ToMemory().Length, hash));
        }
        var manifest = new OutputManifest(jobId, kind, time.GetUtcNow(), entries);
        if (await store.WriteAsync(OutputLayout.SuccessPath(output), BinaryData.FromString(manifest.ToJson()), overwrite: false, cancellationToken)
                .ConfigureAwait(false))
            return manifest;
        return await ReadAsync(store, output, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"'{OutputLayout.SuccessPath(output)}' existed a moment ago and is gone now.");
    }

    private static async Task<SortedDictionary<string, ArtifactInfo>> ListOutputsAsync(IArtifactStore store, string output, CancellationToken cancellationToken)
    {
        var skip = new HashSet<string>(StringComparer.Ordinal)
        {
            OutputLayout.StatusPath(output), OutputLayout.SuccessPath(output), OutputLayout.OwnerPath(output), OutputLayout.CancelPath(output),
        };
        var list = new SortedDictionary<string, ArtifactInfo>(StringComparer.Ordinal);
        await foreach (var info in store.ListAsync(OutputLayout.ListingPrefix(output), cancellationToken).ConfigureAwait(false))
        {
            if (!skip.Contains(info.Path)) list[info.Path] = info;
        }
        return list;
    }
}
