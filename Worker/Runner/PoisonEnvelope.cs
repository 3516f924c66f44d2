using System.Text.Json;
using ScoreBatch.Storage.Status;

namespace ScoreBatch.Worker.Runner;

/// <summary>
/// What goes to "&lt;queue&gt;-poison": the original body untouched, why it was given up, after how many deliveries,
/// when, by which worker, and which field was wrong when that is known.
/// </summary>
public sealed record PoisonEnvelope(
    string Body,
    string Reason,
    string? Field,
    long Attempts,
    DateTimeOffset Time,
    string Queue,
    string MessageId,
    string WorkerId,
    string? JobId)
{
    public string ToJson() => JsonSerializer.Serialize(this, JobStatus.JsonOptions);

    public static PoisonEnvelope FromJson(string json)
        => JsonSerializer.Deserialize<PoisonEnvelope>(json, JobStatus.JsonOptions) ?? throw new JsonException("poison envelope is null");
}
