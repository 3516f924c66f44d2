using System.Text.Json;

namespace ScoreBatch.Storage.Artifacts;

/// <summary>
/// The content of "&lt;output&gt;/_OWNER": the one job an output prefix belongs to. The first job to claim the prefix
/// (a conditional write, If-None-Match: *) owns it for good; any other job id aimed there is refused, so two jobs
/// never mix their outputs or overwrite each other's status.json (docs/security.md, "One job per output prefix").
/// </summary>
/// <param name="JobId">The owning job's id.</param>
/// <param name="Kind">The owning job's kind ("train", "score").</param>
/// <param name="ClaimedAt">When the claim was written.</param>
/// <param name="ClaimedBy">Who wrote it: "submit" or the worker's id.</param>
public sealed record OutputOwner(string JobId, string Kind, DateTimeOffset ClaimedAt, string? ClaimedBy = null)
{
    public string ToJson() => JsonSerializer.Serialize(this, ArtifactsJson.Options);

    /// <summary>The record, or null when the text is not one (an unreadable _OWNER still counts as claimed).</summary>
    public static OutputOwner? TryFromJson(string json)
    {
        try
        {
            var owner = JsonSerializer.Deserialize<OutputOwner>(json, ArtifactsJson.Options);
            return owner is { JobId.Length: > 0, Kind: not null } ? owner : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>"job 'A' (train)", for refusals.</summary>
    public string Describe() => $"job '{JobId}' ({Kind})";
}
