using System.Text.Json.Serialization;

namespace ScoreBatch.Jobs.Diffusion;

/// <summary>
/// Serialisable description of a noise process: a stable name and named numeric parameters, e.g. vp(beta=1, T=10).
/// Recorded in every checkpoint and rebuilt through <see cref="NoiseProcesses.Create(NoiseProcessSpec)"/>.
/// </summary>
public sealed record NoiseProcessSpec(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("parameters")] IReadOnlyDictionary<string, double> Parameters)
{
    /// <summary>Value equality over the parameters (records compare dictionaries by reference).</summary>
    public bool Equals(NoiseProcessSpec? other) =>
        other is not null && Name == other.Name && Parameters.Count == other.Parameters.Count &&
        Parameters.All(p => other.Parameters.TryGetValue(p.Key, out var v) && v.Equals(p.Value));

    public override int GetHashCode() => HashCode.Combine(Name, Parameters.Count);

    public override string ToString() =>
        Parameters.Count == 0 ? Name : $"{Name}({string.Join(", ", Parameters.OrderBy(p => p.Key, StringComparer.OrdinalIgnoreCase).Select(p => $"{p.Key}={p.Value}"))})";
}
