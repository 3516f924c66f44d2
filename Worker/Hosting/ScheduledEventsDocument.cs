using System.Text.Json;

namespace ScoreBatch.Worker.Hosting;

/// <summary>The part of an Azure Scheduled Events document the worker acts on.</summary>
public static class ScheduledEventsDocument
{
    /// <summary>Event types after which this VM goes away: spot eviction and scale-in or deletion.</summary>
    public static readonly IReadOnlyList<string> DrainingTypes = ["Preempt", "Terminate"];

    /// <summary>
    /// The first scheduled event in <paramref name="json"/> that takes this VM away ("Preempt" or "Terminate", for
    /// <paramref name="instanceName"/> when given), as "Preempt (event id, not before ...)"; null when there is none.
    /// A document that is not JSON throws <see cref="JsonException"/>.
    /// </summary>
    public static string? FindDraining(string json, string instanceName)
    {
        using var doc = JsonDocument.Parse(json);
        if (!doc.RootElement.TryGetProperty("Events", out var events) || events.ValueKind != JsonValueKind.Array) return null;
        foreach (var e in events.EnumerateArray())
        {
            var type = e.TryGetProperty("EventType", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            if (type is null || !DrainingTypes.Contains(type)) continue;
            if (instanceName.Length > 0 && !(e.TryGetProperty("Resources", out var r) && r.ValueKind == JsonValueKind.Array
                && r.EnumerateArray().Any(x => x.ValueKind == JsonValueKind.String && string.Equals(x.GetString(), instanceName, StringComparison.OrdinalIgnoreCase))))
                continue;
            var id = e.TryGetProperty("EventId", out var i) ? i.ToString() : "?";
            var notBefore = e.TryGetProperty("NotBefore", out var n) ? n.ToString() : "";
            return $"{type} (event {id}{(notBefore.Length > 0 ? ", not before " + notBefore : "")})";
        }
        return null;
    }
}
