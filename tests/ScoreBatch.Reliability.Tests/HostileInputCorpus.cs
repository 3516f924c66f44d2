using System.Text;
using ScoreBatch.Reliability.Tests.Support;
using ScoreBatch.Storage.Abstractions;

namespace ScoreBatch.Reliability.Tests;

/// <summary>One hostile message: its body, the blobs it points at, and the field (or file) its error must name.</summary>
/// <param name="Body">The message exactly as a client would put it on the queue.</param>
/// <param name="Seed">Blobs to create first (bad inputs, bad checkpoints); null for message-only cases.</param>
/// <param name="Field">What the poison envelope and status.json must name: a field ("params.t") or a file path.</param>
/// <param name="Fragment">A phrase the reason must contain, so the error says what is wrong, not only where.</param>
/// <param name="HasStatus">True when the output is usable, so a failed status.json must be written there.</param>
public sealed record HostileCase(string Body, Func<IArtifactStore, CancellationToken, Task>? Seed, string Field, string Fragment, bool HasStatus = true);

/// <summary>
/// The hostile-input corpus (DESIGN "Queue semantics"; issue 4, item 3): malformed messages, absurd numbers,
/// escaping names, broken files and broken checkpoints. Keyed by a short name so that each is its own test case.
/// </summary>
public static class HostileInputCorpus
{
    public const string BadOutput = InProcessWorker.Outputs + "/bad";
    public const string BadInputs = InProcessWorker.Inputs + "/bad";

    private static string Score(string? input = InProcessWorker.Inputs + "/good", string? model = InProcessWorker.ModelPath, string parameters = "{}")
    {
        var b = new StringBuilder("{\"schema\":1,\"id\":\"bad\",\"kind\":\"score\"");
        if (input is not null) b.Append($",\"input\":\"{input}\"");
        b.Append($",\"output\":\"{BadOutput}\"");
        if (model is not null) b.Append($",\"model\":\"{model}\"");
        b.Append($",\"params\":{parameters}}}");
        return b.ToString();
    }

    private static string Train(string parameters) =>
        $"{{\"schema\":1,\"id\":\"bad\",\"kind\":\"train\",\"input\":\"{InProcessWorker.Inputs}/good\",\"output\":\"{BadOutput}\",\"params\":{parameters}}}";

    private static Func<IArtifactStore, CancellationToken, Task> Blob(string path, byte[] bytes)
        => (store, ct) => store.WriteAsync(path, BinaryData.FromBytes(bytes), overwrite: true, ct);

    private static HostileCase BadFile(string name, byte[] bytes, string fragment)
        => new(Score(input: BadInputs), Blob($"{BadInputs}/{name}", bytes), $"{BadInputs}/{name}", fragment);

    private static HostileCase BadModel(string name, byte[] bytes, string fragment)
        => new(Score(model: $"{InProcessWorker.Models}/{name}"), Blob($"{InProcessWorker.Models}/{name}", bytes), "model", fragment);

    public static IReadOnlyDictionary<string, HostileCase> Cases { get; } = new Dictionary<string, HostileCase>(StringComparer.Ordinal)
    {
        // The envelope itself.
        ["malformed-json"] = new("{\"schema\":1,\"id\":\"bad\",\"kind\":", null, "body", "not valid JSON", HasStatus: false),
        ["base64-garbage"] = new("QUJD$$$%%%", null, "body", "neither JSON nor base64", HasStatus: false),
        ["base64-of-text"] = new(Convert.ToBase64String("hello, queue"u8.ToArray()), null, "body", "neither JSON nor base64", HasStatus: false),
        ["json-array"] = new("[{\"schema\":1}]", null, "body", "must be a JSON object", HasStatus: false),
        ["oversized-message"] = new(Score(parameters: $"{{\"note\":\"{new string('x', 70_000)}\"}}"), null, "body", "over the limit of 65536", HasStatus: false),
        ["unknown-kind"] = new(Score().Replace("\"score\"", "\"explode\"", StringComparison.Ordinal), null, "kind", "'explode' is not a kind"),
        ["unsupported-schema"] = new(Score().Replace("\"schema\":1", "\"schema\":2", StringComparison.Ordinal), null, "schema", "must be 1, got 2"),
        ["schema-as-string"] = new(Score().Replace("\"schema\":1", "\"schema\":\"1\"", StringComparison.Ordinal), null, "schema", "must be an integer"),
        ["missing-id"] = new(Score().Replace("\"id\":\"bad\",", "", StringComparison.Ordinal), null, "id", "is missing"),
        ["id-escaping"] = new(Score().Replace("\"id\":\"bad\"", "\"id\":\"../../etc\"", StringComparison.Ordinal), null, "id", "must be 1-128 characters"),
        ["unexpected-field"] = new(Score().Replace("\"kind\"", "\"pixels\":[1,2,3],\"kind\"", StringComparison.Ordinal), null, "pixels", "is not a schema-1 field"),
        ["missing-output"] = new(Score().Replace($",\"output\":\"{BadOutput}\"", "", StringComparison.Ordinal), null, "output", "is missing", HasStatus: false),
        ["output-not-a-string"] = new(Score().Replace($"\"{BadOutput}\"", "42", StringComparison.Ordinal), null, "output", "must be a string", HasStatus: false),
        ["output-dot-dot"] = new(Score().Replace(BadOutput, "jobs-out/bad/../../models", StringComparison.Ordinal), null, "output", "'..'", HasStatus: false),
        ["output-absolute"] = new(Score().Replace(BadOutput, "/etc/scorebatch", StringComparison.Ordinal), null, "output", "must not be absolute", HasStatus: false),
        ["output-invalid-container"] = new(Score().Replace(BadOutput, "Jobs_Out/bad", StringComparison.Ordinal), null, "output", "container 'Jobs_Out'", HasStatus: false),
        ["input-backslash"] = new(Score(input: "jobs-in\\\\bad"), null, "input", "'/' separators"),
        ["input-control-character"] = new(Score(input: "jobs-in/a\\u0007b"), null, "input", "control character"),
        ["input-empty"] = new(Score(input: ""), null, "input", "is empty"),
        // Issue 9: a repeated key was an unhandled exception (top level: redelivered forever) or five retries.
        ["duplicate-top-level-key"] = new(Score().Replace("\"kind\":\"score\"", "\"kind\":\"score\",\"kind\":\"train\"", StringComparison.Ordinal), null,
            "kind", "appears twice"),
        ["duplicate-param-key"] = new(Score(parameters: "{\"t\":0.1,\"t\":0.2}"), null, "params.t", "appears twice"),
        // Issue 9: a right-to-left override in a name was accepted and logged raw.
        ["output-right-to-left-override"] = new(Score().Replace(BadOutput, BadOutput + "\\u202Egpj.exe", StringComparison.Ordinal), null,
            "output", "direction-changing character (U+202E)", HasStatus: false),
        // Issue 9: unknown params were ignored while the job ran with the default.
        ["unknown-param-typo"] = new(Score(parameters: "{\"treshold\":5}"), null, "params.treshold", "did you mean 'threshold'?"),
        ["unknown-param-of-other-kind"] = new(Train("{\"stpes\":5}"), null, "params.stpes", "did you mean 'steps'?"),
        ["params-not-object"] = new(Score(parameters: "[1,2]"), null, "params", "must be an object"),
        // Absurd numbers.
        ["steps-10e12"] = new(Train("{\"steps\":1000000000000}"), null, "params.steps", "got 1000000000000"),
        ["size-100000"] = new(Train("{\"size\":100000}"), null, "params.size", "got 100000"),
        ["batch-zero"] = new(Score(parameters: "{\"batch\":0}"), null, "params.batch", "got 0"),
        ["t-negative"] = new(Score(parameters: "{\"t\":-0.5}"), null, "params.t", "got -0.5"),
        ["t-mistyped"] = new(Score(parameters: "{\"t\":\"0.1\"}"), null, "params.t", "must be a finite number"),
        // Models.
        ["model-missing"] = new(Score(model: null), null, "model", "is required"),
        ["model-nonexistent"] = new(Score(model: $"{InProcessWorker.Models}/nope.ckpt"), null, "model", "does not exist"),
        ["model-is-a-directory"] = new(Score(model: $"{InProcessWorker.Models}/folder"),
            Blob($"{InProcessWorker.Models}/folder/inside.ckpt", TinyPrior.Checkpoint()), "model", "is a folder"),
        ["model-corrupt"] = BadModel("corrupt.ckpt", Encoding.ASCII.GetBytes("this is not a checkpoint at all"), "not a ScoreBatch checkpoint"),
        ["model-truncated"] = BadModel("truncated.ckpt", TinyPrior.Checkpoint()[..^100], "truncated checkpoint"),
        ["model-other-architecture"] = BadModel("unet.ckpt", TinyPrior.CheckpointOfOtherArchitecture(), "unknown architecture 'unet'"),
        // Inputs.
        ["input-nonexistent-prefix"] = new(Score(input: "jobs-in/nothing-here"), null, "input", "no cutout files"),
        ["zero-byte-file"] = BadFile("empty.npy", [], "empty file (0 bytes)"),
        ["truncated-npy"] = BadFile("truncated.npy", TinyPrior.Cutouts(3)[..^40], "truncated"),
        ["wrong-magic"] = BadFile("magic.npy", Encoding.ASCII.GetBytes("PK\u0003\u0004 not numpy at all, but long enough to read"), "wrong magic"),
        ["header-10e12-elements"] = BadFile("huge.npy", TinyPrior.NpyWithHeader("<f4", "(1000000, 1000000)", 64), "exceeds the limit"),
        ["object-dtype"] = BadFile("pickled.npy", TinyPrior.NpyWithHeader("|O", "(8, 8)", 64), "never loaded"),
        ["complex-dtype"] = BadFile("complex.npy", TinyPrior.NpyWithHeader("<c16", "(8, 8)", 1024), "unsupported dtype"),
        ["nan-pixel"] = BadFile("nan.npy", TinyPrior.CutoutWithPixel(float.NaN), "must be finite"),
        ["inf-pixel"] = BadFile("inf.npy", TinyPrior.CutoutWithPixel(float.PositiveInfinity), "must be finite"),
        ["log-domain"] = BadFile("minus-one.npy", TinyPrior.CutoutWithPixel(-1f), "outside the domain"),
        ["wrong-image-size"] = BadFile("big.npy", TinyPrior.Cutouts(1, size: 16), "larger than the model's"),
        // Limits (the harness sets 64 px, 50 cutouts, 256 KiB per file).
        ["cutout-over-size-limit"] = BadFile("wide.npy", TinyPrior.NpyWithHeader("<f4", "(80, 80)", 80 * 80 * 4), "MaxCutoutSize"),
        ["cutouts-over-job-limit"] = new(Score(input: BadInputs), Blob($"{BadInputs}/many.npy", TinyPrior.Cutouts(60)), "input", "MaxCutoutsPerJob"),
        ["file-over-download-limit"] = BadFile("large.npy", TinyPrior.Cutouts(1100), "MaxDownloadBytesPerFile"),
    };

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var name in Cases.Keys) data.Add(name);
        return data;
    }
}
