using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Storage.Abstractions;

namespace ScoreBatch.Worker.Runner;

/// <summary>What is wrong with a message: the field (or "body"), why, and whatever could be read of it.</summary>
public sealed record MessageProblem(string Field, string Reason, string? JobId = null, string? Kind = null, string? Output = null)
{
    public override string ToString() => $"{Field}: {Reason}";
}

/// <summary>A message parsed into a request, or the problem that makes it unusable.</summary>
public sealed record ParsedMessage(JobRequest? Request, MessageProblem? Problem);

/// <summary>
/// Turns a queue message body into a schema-1 <see cref="JobRequest"/>. Accepts plain JSON and base64-encoded
/// JSON (clients differ). Every failure names the field: "body", "schema", "id", "kind", "input", "output",
/// "model", "params" or an unexpected field's name. Never throws for bad input.
/// </summary>
public sealed partial class JobMessageParser(Func<string, bool> isKnownKind, Func<IReadOnlyList<string>> knownKinds)
{
    /// <summary>U+FEFF: editors on Windows start UTF-8 files with it; `submit --file` and the queue both drop it.</summary>
    private const char ByteOrderMark = '\uFEFF';

    private static readonly HashSet<string> Fields = new(StringComparer.Ordinal) { "schema", "id", "kind", "input", "output", "model", "params" };

    // A split job's children are "<id>/part-NNNNN" (SplitNames); no other id holds a '/'.
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}(/part-[0-9]{5})?$", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();

    public JobMessageParser(JobHandlerRegistry registry) : this(registry.Handles, () => registry.Kinds) { }

    public ParsedMessage Parse(string body)
    {
        var json = DecodeBody(body);
        if (json is null) return Fail(new("body", "is neither JSON nor base64-encoded JSON"));
        JsonNode? root;
        try
        {
            if (JsonDuplicateKeys.Find(json) is { } duplicate) return Fail(DuplicateKey(json, duplicate));
            root = JsonNode.Parse(json);
        }
        catch (JsonException e)
        {
            return Fail(new("body", $"is not valid JSON ({e.Message})"));
        }
        if (root is not JsonObject o) return Fail(new("body", "must be a JSON object"));

        var id = o["id"] is JsonValue iv && iv.TryGetValue<string>(out var s1) ? s1 : null;
        var kind = o["kind"] is JsonValue kv && kv.TryGetValue<string>(out var s2) ? s2 : null;
        var outputRaw = o["output"] is JsonValue ov && ov.TryGetValue<string>(out var s3) ? s3.TrimEnd('/') : null;
        var output = outputRaw is not null && ArtifactPath.Check(outputRaw, requireBlobName: true) is null ? outputRaw : null;
        MessageProblem Problem(string field, string reason) => new(field, reason, id, kind, output);

        foreach (var (name, _) in o)
        {
            if (!Fields.Contains(name)) return Fail(Problem(name, $"is not a schema-{JobRequest.CurrentSchema} field (expected {string.Join(", ", Fields)})"));
        }

        if (o["schema"] is not JsonValue sv) return Fail(Problem("schema", "is missing"));
        if (sv.GetValueKind() != JsonValueKind.Number || !sv.TryGetValue<int>(out var schema))
            return Fail(Problem("schema", $"must be an integer, got {sv.ToJsonString()}"));
        if (schema != JobRequest.CurrentSchema)
            return Fail(Problem("schema", $"must be {JobRequest.CurrentSchema}, got {schema}"));

        if (o["id"] is null) return Fail(Problem("id", "is missing"));
        if (id is null || !IdPattern().IsMatch(id))
            return Fail(Problem("id", $"must be 1-128 characters of A-Z, a-z, 0-9, '.', '_' and '-' (a split job's child: that and '/part-NNNNN'), got {o["id"]!.ToJsonString()}"));

        if (o["kind"] is null) return Fail(Problem("kind", "is missing"));
        if (kind is null) return Fail(Problem("kind", $"must be a string, got {o["kind"]!.ToJsonString()}"));
        if (!isKnownKind(kind)) return Fail(Problem("kind", $"'{kind}' is not a kind this worker runs ({string.Join(", ", knownKinds())})"));

        if (o["output"] is null) return Fail(Problem("output", "is missing"));
        if (outputRaw is null) return Fail(Problem("output", $"must be a string, got {o["output"]!.ToJsonString()}"));
        if (ArtifactPath.Check(outputRaw, requireBlobName: true) is { } outProblem) return Fail(Problem("output", outProblem));

        if (!TryOptionalPath(o, "input", requireBlobName: false, out var input, out var inputProblem)) return Fail(Problem("input", inputProblem!));
        if (!TryOptionalPath(o, "model", requireBlobName: true, out var model, out var modelProblem)) return Fail(Problem("model", modelProblem!));

        var parameters = new JsonObject();
        if (o["params"] is { } p)
        {
            if (p is not JsonObject po) return Fail(Problem("params", $"must be an object, got {p.ToJsonString()}"));
            parameters = (JsonObject)po.DeepClone();
        }

        return new ParsedMessage(new JobRequest
        {
            Schema = schema,
            Id = id,
            Kind = kind,
            Input = input,
            Output = outputRaw,
            Model = model,
            Params = new JobParams(parameters),
        }, null);
    }

    /// <summary>
    /// A key given twice: the problem names it. The job's id, kind and output are kept when each appears once at
    /// the top (so status.json can record the failure), never when the repeated key is one of them.
    /// </summary>
    private static MessageProblem DuplicateKey(string json, string key)
    {
        string? Once(JsonElement root, string name)
        {
            var values = root.EnumerateObject().Where(p => p.NameEquals(name)).ToList();
            return values is [{ Value.ValueKind: JsonValueKind.String } only] ? only.Value.GetString() : null;
        }
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        string? id = null, kind = null, output = null;
        if (root.ValueKind == JsonValueKind.Object)
        {
            id = Once(root, "id");
            kind = Once(root, "kind");
            output = Once(root, "output")?.TrimEnd('/');
            if (output is not null && ArtifactPath.Check(output, requireBlobName: true) is not null) output = null;
            if (id is not null && !IdPattern().IsMatch(id)) id = null;
        }
        return new MessageProblem(key, "appears twice in the message; give each key once (JSON readers disagree on which value wins)", id, kind, output);
    }

    /// <summary>Plain JSON as is (a leading UTF-8 byte-order mark dropped); otherwise strict base64 of UTF-8 JSON; otherwise null.</summary>
    public static string? DecodeBody(string body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var trimmed = body.Trim().TrimStart(ByteOrderMark).Trim();
        if (trimmed.StartsWith('{') || trimmed.StartsWith('[')) return trimmed;
        if (trimmed.Length == 0 || trimmed.Length % 4 != 0) return null;
        var buffer = new byte[trimmed.Length * 3 / 4];
        if (!Convert.TryFromBase64String(trimmed, buffer, out var n)) return null;
        try
        {
            var text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(buffer, 0, n).Trim().TrimStart(ByteOrderMark).Trim();
            return text.StartsWith('{') ? text : null;
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    private static bool TryOptionalPath(JsonObject o, string field, bool requireBlobName, out string? value, out string? problem)
    {
        value = null;
        problem = null;
        if (o[field] is null) return true;
        if (o[field] is not JsonValue v || !v.TryGetValue<string>(out var s))
        {
            problem = $"must be a string, got {o[field]!.ToJsonString()}";
            return false;
        }
        s = requireBlobName ? s : s.TrimEnd('/');
        problem = ArtifactPath.Check(s, requireBlobName);
        value = s;
        return problem is null;
    }

    private static ParsedMessage Fail(MessageProblem problem) => new(null, problem);
}
