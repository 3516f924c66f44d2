using System.Text.Json.Serialization;

namespace ScoreBatch.Jobs.Transforms;

/// <summary>Serialisable description of a data transform: a stable name and named numeric parameters.</summary>
public sealed record DataTransformSpec(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("parameters")] IReadOnlyDictionary<string, double> Parameters)
{
    public override string ToString() =>
        Parameters.Count == 0 ? Name : $"{Name}({string.Join(", ", Parameters.Select(p => $"{p.Key}={p.Value}"))})";
}
