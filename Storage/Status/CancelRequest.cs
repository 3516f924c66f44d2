using System.Text.Json;
using System.Text.Json.Nodes;
using ScoreBatch.Storage.Abstractions;
using ScoreBatch.Storage.Artifacts;

namespace ScoreBatch.Storage.Status;

/// <summary>
/// "&lt;output&gt;/_CANCEL": someone asked that job <see cref="JobId"/> stop. Written once (the first request
/// wins); the worker reads it at triage (a queued job is dropped) and on every progress tick of a running job.
/// </summary>
public sealed record CancelRequest(string JobId, DateTimeOffset RequestedAt, string RequestedBy)
{
    /// <summary>Records a request for <paramref name="jobId"/>; false when one was already there (it stands).</summary>
    public static Task<bool> WriteAsync(IArtifactStore store, string output, string jobId, string requestedBy, TimeProvider time, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(time);
        var json = new JsonObject { ["jobId"] = jobId, ["requestedAt"] = time.GetUtcNow().ToString("O"), ["requestedBy"] = requestedBy };
        return store.WriteAsync(OutputLayout.CancelPath(output), BinaryData.FromString(json.ToJsonString()), overwrite: false, ct);
    }

    /// <summary>The request for the job at <paramref name="output"/>, or null; an unreadable one still counts (for "?").</summary>
    public static async Task<CancelRequest?> ReadAsync(IArtifactStore store, string output, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(store);
        var content = await store.TryReadAsync(OutputLayout.CancelPath(output), ct).ConfigureAwait(false);
        if (content is null) return null;
        try
        {
            var o = JsonNode.Parse(content.Content.ToString()) as JsonObject;
            return new CancelRequest(
                o?["jobId"]?.GetValue<string>() ?? "?",
                DateTimeOffset.TryParse(o?["requestedAt"]?.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture,
                    System.Globalization.DateTimeStyles.RoundtripKind, out var at) ? at : DateTimeOffset.MinValue,
                o?["requestedBy"]?.GetValue<string>() ?? "?");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            return new CancelRequest("?", DateTimeOffset.MinValue, "?");
        }
    }

    /// <summary>True when this request stops <paramref name="jobId"/> (an unreadable request stops any job).</summary>
    public bool Stops(string jobId) => JobId == "?" || JobId == jobId;

    /// <summary>The reason recorded in status.json.</summary>
    public string Reason => $"cancel requested by {RequestedBy} at {RequestedAt:u}";
}
