using System.Text.Json.Nodes;
using ScoreBatch.Storage.Abstractions;

namespace ScoreBatch.Worker.Submission;

/// <summary>
/// Maps job ids to output prefixes ("scorebatch-index/jobs/&lt;id&gt;.json"), written by submit, so that
/// `scorebatch status &lt;id&gt;` can find status.json. Workers never need it: messages carry the output.
/// </summary>
public static class JobIndex
{
    public const string Container = "scorebatch-index";

    public static string PathFor(string id) => ArtifactPath.Validate($"{Container}/jobs/{id}.json", "id");

    public static Task<bool> RecordAsync(IArtifactStore store, string id, string output, CancellationToken ct)
        => store.WriteAsync(PathFor(id), BinaryData.FromString(new JsonObject { ["id"] = id, ["output"] = output }.ToJsonString()), overwrite: true, ct);

    public static async Task<string?> FindOutputAsync(IArtifactStore store, string id, CancellationToken ct)
    {
        var c = await store.TryReadAsync(PathFor(id), ct).ConfigureAwait(false);
        return c is null ? null : JsonNode.Parse(c.Content.ToString())?["output"]?.GetValue<string>();
    }
}
