using System.Text.Json;

namespace ScoreBatch.Jobs.Training;

/// <summary>
/// Names of a training run's checkpoints ("checkpoints/ckpt-00001000.ckpt") and the small pointer file
/// "checkpoints/latest.json" that names the newest one, e.g. {"checkpoint":"ckpt-00001000.ckpt","step":1000,...}.
/// </summary>
public sealed record CheckpointPointer(string Checkpoint, long Step, DateTimeOffset WrittenUtc)
{
    /// <summary>Folder of the numbered checkpoints, relative to a run's output.</summary>
    public const string Folder = "checkpoints";

    /// <summary>The pointer file's name inside <see cref="Folder"/>.</summary>
    public const string LatestFile = "latest.json";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>"ckpt-&lt;step:D8&gt;.ckpt".</summary>
    public static string FileName(long step) => $"ckpt-{step:D8}.ckpt";

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Parses a pointer; <paramref name="source"/> names the file in errors.</summary>
    public static CheckpointPointer Parse(string json, string source)
    {
        try
        {
            var pointer = JsonSerializer.Deserialize<CheckpointPointer>(json, Json);
            if (pointer is null || string.IsNullOrEmpty(pointer.Checkpoint) || pointer.Checkpoint.Contains('/', StringComparison.Ordinal)
                || pointer.Checkpoint.Contains("..", StringComparison.Ordinal))
                throw new InvalidDataException($"{source}: 'checkpoint' must name a file in the same folder");
            return pointer;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: not a checkpoint pointer: {e.Message}", e);
        }
    }
}
