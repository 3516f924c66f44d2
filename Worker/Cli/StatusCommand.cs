using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using ScoreBatch.Storage.Abstractions;
using ScoreBatch.Storage.Status;

namespace ScoreBatch.Worker.Cli;

/// <summary>`scorebatch status &lt;id|output&gt;`: the job's state and progress from its status.json.</summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var storage = new StorageCliOptions();
        var target = new Argument<string>("id-or-output") { Description = "A job id given to submit, or the job's output prefix (container/prefix)." };
        var json = new Option<bool>("--json") { Description = "Print status.json as stored." };
        var command = new Command("status", "Show a job's state and progress.");
        command.Arguments.Add(target);
        command.Options.Add(json);
        storage.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            using var host = storage.BuildHost(parse);
            var store = host.Services.GetRequiredService<IArtifactStore>();
            var value = parse.GetValue(target)!;
            var output = await JobTarget.ResolveAsync(store, value, "status", ct).ConfigureAwait(false);
            if (output is null) return 1;
            var status = await host.Services.GetRequiredService<IStatusStore>().GetAsync(output, ct).ConfigureAwait(false);
            if (status is null)
            {
                await Console.Error.WriteLineAsync($"status: {output}/status.json does not exist").ConfigureAwait(false);
                return 1;
            }
            Console.WriteLine(parse.GetValue(json) ? status.ToJson() : Describe(status, output));
            return 0;
        });
        return command;
    }

    internal static string Describe(JobStatus s, string output)
    {
        var lines = new List<string>
        {
            $"{s.JobId} ({s.Kind}): {s.State.ToString().ToLowerInvariant()}, attempt {s.Attempt}",
            $"  output:   {output}",
        };
        if (s.Progress is { } p)
            lines.Add($"  progress: {p.Done}/{p.Total} {p.Unit} ({(p.Total > 0 ? 100.0 * p.Done / p.Total : 0):F0} %){(p.Message is null ? "" : " " + p.Message)}");
        if (s.Parts is { } parts)
        {
            lines.Add($"  parts:    {parts.Succeeded.Count}/{parts.Total} succeeded, {parts.Cutouts} cutouts scored (children: {s.JobId}/part-NNNNN)");
            foreach (var f in parts.Failed ?? []) lines.Add($"  failed:   {f.Id}: {f.Reason}");
        }
        if (s.LastError is not null) lines.Add($"  last error{(s.ErrorField is null ? "" : $" ({s.ErrorField})")}: {s.LastError}");
        if (s.Retries > 0) lines.Add($"  storage retries: {s.Retries}");
        lines.Add($"  updated:  {s.UpdatedAt:u}{(s.WorkerId is null ? "" : $" by {s.WorkerId}")}");
        return string.Join(Environment.NewLine, lines);
    }
}
