using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ScoreBatch.Jobs.Contracts;

/// <summary>
/// A parsed, schema-checked job message (schema 1):
/// { "schema": 1, "id": "...", "kind": "train|score|...", "input": "container/prefix", "output": "container/prefix",
///   "model": "container/path", "params": { ... } }. Messages carry names, never pixels.
/// </summary>
public sealed record JobRequest
{
    /// <summary>The only message schema version this worker understands.</summary>
    public const int CurrentSchema = 1;

    public int Schema { get; init; } = CurrentSchema;
    public required string Id { get; init; }
    public required string Kind { get; init; }
    public string? Input { get; init; }
    public required string Output { get; init; }
    public string? Model { get; init; }
    public JobParams Params { get; init; } = new(new JsonObject());

    /// <summary>Serialises the request as schema-1 JSON (what `submit` sends).</summary>
    public string ToJson()
    {
        var o = new JsonObject
        {
            ["schema"] = Schema,
            ["id"] = Id,
            ["kind"] = Kind,
        };
        if (Input is not null) o["input"] = Input;
        o["output"] = Output;
        if (Model is not null) o["model"] = Model;
        o["params"] = Params.Node.DeepClone();
        return o.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
    }
}

/// <summary>
/// Kind-specific parameters with typed, range-checked getters. Every failure throws
/// <see cref="JobValidationException"/> naming the field as "params.NAME".
/// </summary>
public sealed class JobParams(JsonObject node)
{
    public JsonObject Node { get; } = node;

    public bool Has(string name) => Node.ContainsKey(name) && Node[name] is not null;

    /// <summary>
    /// Throws <see cref="JobValidationException"/> naming "params.NAME" for the first param (in message order) that
    /// <paramref name="known"/> does not hold, listing the known ones and suggesting the closest ("stpes": did you
    /// mean 'steps'?). A misspelt param must never be ignored while the job runs with the default.
    /// </summary>
    public void RefuseUnknown(string kind, IReadOnlyCollection<string> known)
    {
        ArgumentNullException.ThrowIfNull(known);
        foreach (var (name, _) in Node)
        {
            if (known.Contains(name)) continue;
            var suggestion = EditDistance.Suggest(name, known) is { } s ? $"did you mean '{s}'? " : "";
            throw new JobValidationException($"params.{name}",
                $"is not a parameter of {kind} jobs; {suggestion}known: {string.Join(", ", known.Order(StringComparer.Ordinal))}");
        }
    }

    public long GetInt64(string name, long defaultValue, long min, long max)
    {
        if (!Has(name)) return defaultValue;
        var v = Node[name]!;
        // Read the number's JSON text: works the same for parsed messages and for nodes built in code.
        var text = v.GetValueKind() == JsonValueKind.Number ? v.ToJsonString() : null;
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var x))
        {
            // Accept integral numbers written as 100.0 or 1e3; reject 1.5, huge values and strings.
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d == Math.Floor(d)
                && d >= min && d <= max)
                x = (long)d;
            else if (text is not null && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var big) && big == Math.Floor(big))
                throw new JobValidationException($"params.{name}", $"must be between {min} and {max}, got {text}");
            else
                throw new JobValidationException($"params.{name}", $"must be an integer, got {v.ToJsonString()}");
        }
        if (x < min || x > max)
            throw new JobValidationException($"params.{name}", $"must be between {min} and {max}, got {x}");
        return x;
    }

    public int GetInt32(string name, int defaultValue, int min, int max) => (int)GetInt64(name, defaultValue, min, max);

    public double GetDouble(string name, double defaultValue, double min, double max)
    {
        if (!Has(name)) return defaultValue;
        var v = Node[name]!;
        var text = v.GetValueKind() == JsonValueKind.Number ? v.ToJsonString() : null;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) || !double.IsFinite(x))
            throw new JobValidationException($"params.{name}", $"must be a finite number, got {v.ToJsonString()}");
        if (x < min || x > max)
            throw new JobValidationException($"params.{name}", $"must be between {min} and {max}, got {x}");
        return x;
    }

    public string GetString(string name, string defaultValue, IReadOnlyCollection<string>? allowed = null)
    {
        if (!Has(name)) return defaultValue;
        var v = Node[name]!;
        if (v.GetValueKind() != JsonValueKind.String)
            throw new JobValidationException($"params.{name}", $"must be a string, got {v.ToJsonString()}");
        var s = v.GetValue<string>();
        if (allowed is not null && !allowed.Contains(s))
            throw new JobValidationException($"params.{name}", $"must be one of {string.Join(", ", allowed)}, got '{s}'");
        return s;
    }

    public bool GetBool(string name, bool defaultValue)
    {
        if (!Has(name)) return defaultValue;
        var v = Node[name]!;
        return v.GetValueKind() switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new JobValidationException($"params.{name}", $"must be true or false, got {v.ToJsonString()}"),
        };
    }
}
