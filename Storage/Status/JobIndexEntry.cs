using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ScoreBatch.Storage.Status;

/// <summary>A job as <see cref="JobIndex"/> lists it: where it writes, its state and progress at its last status write.</summary>
public sealed record JobIndexEntry(string Id, string Kind, string Output, JobState State, JobStatusProgress? Progress, DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public bool IsFinal => State is JobState.Succeeded or JobState.Failed or JobState.Cancelled;

    public string ToJson()
    {
        var o = new JsonObject
        {
            ["id"] = Id,
            ["kind"] = Kind,
            ["output"] = Output,
            ["state"] = State.ToString().ToLowerInvariant(),
            ["createdAt"] = CreatedAt.ToString("O", CultureInfo.InvariantCulture),
            ["updatedAt"] = UpdatedAt.ToString("O", CultureInfo.InvariantCulture),
        };
        if (Progress is { } p) o["progress"] = new JsonObject { ["done"] = p.Done, ["total"] = p.Total, ["unit"] = p.Unit };
        return o.ToJsonString();
    }

    /// <summary>The entry in <paramref name="json"/>, or null when it is not one (entries of older versions held only id and output).</summary>
    public static JobIndexEntry? TryParse(string json)
    {
        try
        {
            if (JsonNode.Parse(json) is not JsonObject o || o["id"]?.GetValue<string>() is not { } id || o["output"]?.GetValue<string>() is not { } output) return null;
            var state = Enum.TryParse<JobState>(o["state"]?.GetValue<string>(), ignoreCase: true, out var s) ? s : JobState.Queued;
            var progress = o["progress"] is JsonObject p
                ? new JobStatusProgress(p["done"]?.GetValue<long>() ?? 0, p["total"]?.GetValue<long>() ?? 0, p["unit"]?.GetValue<string>() ?? "")
                : null;
            return new JobIndexEntry(id, o["kind"]?.GetValue<string>() ?? "?", output, state, progress, Time(o["createdAt"]), Time(o["updatedAt"]));
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    private static DateTimeOffset Time(JsonNode? n)
        => DateTimeOffset.TryParse(n?.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var t) ? t : DateTimeOffset.MinValue;
}
