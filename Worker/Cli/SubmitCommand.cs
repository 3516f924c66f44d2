using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Jobs.Kinds;
using ScoreBatch.Worker.Runner;
using ScoreBatch.Worker.Submission;

namespace ScoreBatch.Worker.Cli;

/// <summary>`scorebatch submit`: builds a schema-1 job from options or a JSON file, sends it, prints the job id.</summary>
internal static class SubmitCommand
{
    public static Command Create()
    {
        var storage = new StorageCliOptions();
        var file = new Option<FileInfo?>("--file") { Description = "A schema-1 job as JSON; options below override its fields." };
        var kind = new Option<string?>("--kind") { Description = "train | score | sample | likelihood." };
        var id = new Option<string?>("--id") { Description = "Job id (default: generated from kind and time)." };
        var input = new Option<string?>("--input") { Description = "Input prefix, container/prefix." };
        var output = new Option<string?>("--output") { Description = "Output prefix, container/prefix." };
        var model = new Option<string?>("--model") { Description = "Model checkpoint, container/path." };
        var param = new Option<string[]>("--param") { Description = "A parameter as name=value (value read as JSON when it parses, else as a string); repeatable." };
        var base64 = new Option<bool>("--base64") { Description = "Send the message base64-encoded (as Functions and older SDKs do)." };
        var priority = new Option<string>("--priority")
        {
            Description = "high | normal | low: the queue it waits in (<queue>-high, <queue>, <queue>-low); workers drain them 6:3:1.",
            DefaultValueFactory = _ => "normal",
        };
        priority.AcceptOnlyFromAmong("high", "normal", "low");
        var split = new Option<int?>("--split")
        {
            Description = "Score jobs: fan out into children of at most N input files each, run by any workers, then gathered (params.split).",
        };

        var command = new Command("submit", "Submit a job to the queue and print its id.");
        foreach (var o in new Option[] { file, kind, id, input, output, model, param, base64, priority, split }) command.Options.Add(o);
        storage.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            JobRequest request;
            try
            {
                var parameters = parse.GetValue(param) ?? [];
                if (parse.GetValue(split) is { } n) parameters = [.. parameters, $"split={n.ToString(System.Globalization.CultureInfo.InvariantCulture)}"];
                request = Build(parse.GetValue(file), parse.GetValue(kind), parse.GetValue(id), parse.GetValue(input), parse.GetValue(output),
                    parse.GetValue(model), parameters);
            }
            catch (Exception e) when (e is JobValidationException or JsonException or IOException)
            {
                await Console.Error.WriteLineAsync($"submit: {e.Message}").ConfigureAwait(false);
                return 2;
            }
            using var host = storage.BuildHost(parse);
            try
            {
                await host.Services.GetRequiredService<JobSubmitter>()
                    .SubmitAsync(request, parse.GetValue(base64), PriorityQueues.Parse(parse.GetValue(priority)) ?? JobPriority.Normal, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OutputOwnedException or JobValidationException)
            {
                await Console.Error.WriteLineAsync($"submit: {e.Message}").ConfigureAwait(false);
                return 1;
            }
            Console.WriteLine(request.Id);
            return 0;
        });
        return command;
    }

    /// <summary>Merges the file (if any) and the options into a request, checking it with the worker's own parser.</summary>
    internal static JobRequest Build(FileInfo? file, string? kind, string? id, string? input, string? output, string? model, string[] parameters)
    {
        var o = file is null ? new JsonObject() : ReadJobFile(file);
        o["schema"] ??= JobRequest.CurrentSchema;
        if (kind is not null) o["kind"] = kind;
        if (input is not null) o["input"] = input;
        if (output is not null) o["output"] = output;
        if (model is not null) o["model"] = model;
        if (id is not null) o["id"] = id;
        if (o["id"] is null)
            o["id"] = $"{o["kind"]?.GetValue<string>() ?? "job"}-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..6]}";
        var p = o["params"] as JsonObject ?? new JsonObject();
        foreach (var pair in parameters)
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0) throw new JobValidationException("--param", $"must be name=value, got '{pair}'");
            var (name, text) = (pair[..eq], pair[(eq + 1)..]);
            JsonNode? value;
            try
            {
                value = JsonNode.Parse(text);
            }
            catch (JsonException)
            {
                value = JsonValue.Create(text);
            }
            p[name] = value;
        }
        o["params"] = p;
        var parsed = new JobMessageParser(k => JobKinds.All.Contains(k), () => [.. JobKinds.All.Order()]).Parse(o.ToJsonString());
        var request = parsed.Request ?? throw new JobValidationException(parsed.Problem!.Field, parsed.Problem.Reason);
        // The worker refuses params its handler does not read; say so now rather than after a round trip.
        if (JobParamNames.For(request.Kind) is { } known) request.Params.RefuseUnknown(request.Kind, known);
        if (request.Kind == JobKinds.Score && request.Params.Has("split"))
            request.Params.GetInt32("split", 1, 1, Jobs.Kinds.Score.ScoreJobArgs.MaxSplit); // a bad --split fails here, not on a worker
        return request;
    }

    /// <summary>The job file as a JSON object (a UTF-8 byte-order mark is fine); a repeated key or bad JSON names the file.</summary>
    private static JsonObject ReadJobFile(FileInfo file)
    {
        var text = File.ReadAllText(file.FullName).TrimStart('\uFEFF');
        string? duplicate;
        try
        {
            duplicate = JsonDuplicateKeys.Find(text);
        }
        catch (JsonException e)
        {
            throw new JobValidationException(file.Name, $"is not valid JSON ({e.Message})");
        }
        if (duplicate is not null)
            throw new JobValidationException($"{file.Name}: {duplicate}", "appears twice; give each key once (JSON readers disagree on which value wins)");
        return JsonNode.Parse(text) as JsonObject ?? throw new JobValidationException(file.Name, "must hold a JSON object");
    }
}
