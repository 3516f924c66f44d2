using System.Text.Json;
using System.Text.Json.Serialization;

namespace ScoreBatch.Storage.Status;

/// <summary>Where a job stands. Serialised in lower case ("queued", "running", ...).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<JobState>))]
public enum JobState
{
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

/// <summary>Progress of the current attempt: <see cref="Done"/> of <see cref="Total"/> <see cref="Unit"/>.</summary>
public sealed record JobStatusProgress(long Done, long Total, string Unit, string? Message = null);

/// <summary>The content of "&lt;output&gt;/status.json": the job's state as the last writer saw it.</summary>
public sealed record JobStatus
{
    public required string JobId { get; init; }
    public required string Kind { get; init; }
    public JobState State { get; init; }

    /// <summary>Delivery number of the attempt that wrote this (the queue's dequeue count); 0 before any.</summary>
    public int Attempt { get; init; }

    public JobStatusProgress? Progress { get; init; }

    /// <summary>The last error of any attempt, kept after a later success for the record.</summary>
    public string? LastError { get; init; }

    /// <summary>The message field or file an error is about ("params.steps", "kind", ...), when known.</summary>
    public string? ErrorField { get; init; }

    /// <summary>Storage operations retried by the resilience pipelines, summed over attempts.</summary>
    public int Retries { get; init; }

    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    public string? WorkerId { get; init; }

    /// <summary>A split job's children (params.split), aggregated; null for any other job.</summary>
    public JobStatusParts? Parts { get; init; }

    /// <summary>
    /// Serialisation used for status.json (and _SUCCESS, poison envelopes): camelCase, indented, enums in lower
    /// case; status.json from source-generated metadata (<see cref="StorageJsonContext"/>).
    /// </summary>
    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        TypeInfoResolver = StorageJsonContext.Resolver,
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public static JobStatus FromJson(string json)
        => JsonSerializer.Deserialize<JobStatus>(json, JsonOptions) ?? throw new JsonException("status.json is null");
}
