using System.Text.Json.Nodes;
using ScoreBatch.Storage.Abstractions;

namespace ScoreBatch.Storage.Status;

/// <summary>
/// One small blob per job, "scorebatch-index/jobs/&lt;id&gt;.json" = { id, kind, output, state, progress, createdAt,
/// updatedAt }, written when the job's status is created and when it ends (<see cref="IndexedStatusStore"/>: submit,
/// the worker, cancel).
/// `scorebatch status &lt;id&gt;` finds the output here and `scorebatch jobs` lists jobs from it without listing any
/// output. status.json stays the authority: an entry can lag it by one write (a crash between the two, or two
/// writers racing), so readers re-read status.json for entries that are not final.
/// </summary>
public static class JobIndex
{
    public const string Container = "scorebatch-index";

    public const string Prefix = Container + "/jobs/";

    public static string PathFor(string id) => ArtifactPath.Validate($"{Prefix}{id}.json", "id");

    /// <summary>Writes the entry of <paramref name="status"/>'s job (last writer wins).</summary>
    public static Task<bool> RecordAsync(IArtifactStore store, string output, JobStatus status, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(status);
        var entry = new JobIndexEntry(status.JobId, status.Kind, output, status.State, status.Progress, status.CreatedAt, status.UpdatedAt);
        return store.WriteAsync(PathFor(status.JobId), BinaryData.FromString(entry.ToJson()), overwrite: true, ct);
    }

    public static async Task<string?> FindOutputAsync(IArtifactStore store, string id, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(store);
        var c = await store.TryReadAsync(PathFor(id), ct).ConfigureAwait(false);
        return c is null ? null : JsonNode.Parse(c.Content.ToString())?["output"]?.GetValue<string>();
    }

    /// <summary>Every entry, in id order; an unreadable entry is skipped (it is rewritten on the job's next status write).</summary>
    public static async Task<IReadOnlyList<JobIndexEntry>> ListAsync(IArtifactStore store, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(store);
        var entries = new List<JobIndexEntry>();
        await foreach (var info in store.ListAsync(Prefix, ct).ConfigureAwait(false))
        {
            if (!info.Path.EndsWith(".json", StringComparison.Ordinal)) continue;
            var c = await store.TryReadAsync(info.Path, ct).ConfigureAwait(false);
            if (c is not null && JobIndexEntry.TryParse(c.Content.ToString()) is { } e) entries.Add(e);
        }
        return [.. entries.OrderBy(e => e.Id, StringComparer.Ordinal)];
    }
}
