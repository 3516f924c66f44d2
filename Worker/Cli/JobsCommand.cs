using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Storage.Abstractions;
using ScoreBatch.Storage.Status;

namespace ScoreBatch.Worker.Cli;

/// <summary>`scorebatch jobs [--state S] [--kind K]`: jobs with state, progress and age, from <see cref="JobIndex"/>.</summary>
internal static class JobsCommand
{
    private static readonly string[] Header = ["ID", "KIND", "STATE", "PROGRESS", "AGE", "OUTPUT"];

    public static Command Create()
    {
        var storage = new StorageCliOptions();
        var state = new Option<string?>("--state") { Description = "Only jobs in this state: queued | running | succeeded | failed | cancelled." };
        state.AcceptOnlyFromAmong([.. Enum.GetNames<JobState>().Select(n => n.ToLowerInvariant())]);
        var kind = new Option<string?>("--kind") { Description = "Only jobs of this kind." };
        kind.AcceptOnlyFromAmong([.. JobKinds.All.Order(StringComparer.Ordinal)]);
        var command = new Command("jobs", "List jobs with state, progress and age (from the job index).");
        command.Options.Add(state);
        command.Options.Add(kind);
        storage.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            using var host = storage.BuildHost(parse);
            var store = host.Services.GetRequiredService<IArtifactStore>();
            var status = host.Services.GetRequiredService<IStatusStore>();
            var now = host.Services.GetRequiredService<TimeProvider>().GetUtcNow();
            JobState? wanted = parse.GetValue(state) is { } s ? Enum.Parse<JobState>(s, ignoreCase: true) : null;
            var rows = await ListAsync(store, status, ct).ConfigureAwait(false);
            Console.WriteLine(Format([.. rows.Where(r => (wanted is null || r.State == wanted) && (parse.GetValue(kind) is not { } k || r.Kind == k))], now));
            return 0;
        });
        return command;
    }

    /// <summary>The index's entries; those not final are refreshed from status.json (the authority), which may have moved on.</summary>
    internal static async Task<IReadOnlyList<JobIndexEntry>> ListAsync(IArtifactStore store, IStatusStore status, CancellationToken ct)
    {
        var entries = await JobIndex.ListAsync(store, ct).ConfigureAwait(false);
        var rows = new List<JobIndexEntry>(entries.Count);
        foreach (var e in entries)
        {
            if (e.IsFinal || await status.GetAsync(e.Output, ct).ConfigureAwait(false) is not { } s || s.JobId != e.Id)
            {
                rows.Add(e);
                continue;
            }
            rows.Add(e with { State = s.State, Progress = s.Progress, UpdatedAt = s.UpdatedAt });
        }
        return rows;
    }

    internal static string Format(IReadOnlyList<JobIndexEntry> rows, DateTimeOffset now)
    {
        if (rows.Count == 0) return "no jobs";
        var table = new List<string[]> { Header };
        table.AddRange(rows.Select(r => new[]
        {
            r.Id, r.Kind, r.State.ToString().ToLowerInvariant(),
            r.Progress is { } p ? $"{p.Done}/{p.Total} {p.Unit}" : "-",
            Age(now - r.CreatedAt), r.Output,
        }));
        var widths = Enumerable.Range(0, 6).Select(c => table.Max(row => row[c].Length)).ToArray();
        return string.Join(Environment.NewLine, table.Select(row => string.Join("  ", row.Select((cell, c) => c == 5 ? cell : cell.PadRight(widths[c]))).TrimEnd()));
    }

    internal static string Age(TimeSpan age) => age switch
    {
        { TotalSeconds: < 0 } => "0s",
        { TotalMinutes: < 1 } => $"{(int)age.TotalSeconds}s",
        { TotalHours: < 1 } => $"{(int)age.TotalMinutes}m",
        { TotalDays: < 2 } => $"{(int)age.TotalHours}h",
        _ => string.Create(CultureInfo.InvariantCulture, $"{(int)age.TotalDays}d"),
    };
}
