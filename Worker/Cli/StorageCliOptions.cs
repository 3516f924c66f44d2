using System.CommandLine;
using Microsoft.Extensions.Hosting;
using ScoreBatch.Storage.Abstractions;
using ScoreBatch.Worker.Hosting;

namespace ScoreBatch.Worker.Cli;

/// <summary>
/// Options every storage-touching verb shares. Each overrides configuration (appsettings.json, SCOREBATCH__...
/// environment variables) only when given; the default is the local development storage (Azurite).
/// </summary>
internal sealed class StorageCliOptions
{
    public Option<string?> Connection { get; } = new("--connection")
    {
        Description = "Storage connection string (default: SCOREBATCH__STORAGE__CONNECTIONSTRING, else the local Azurite). Never printed.",
    };

    public Option<string?> Queue { get; } = new("--queue") { Description = "Job queue name (default: scorebatch-jobs)." };

    public void AddTo(Command command)
    {
        command.Options.Add(Connection);
        command.Options.Add(Queue);
    }

    /// <summary>Configuration overrides from the parsed options, as "ScoreBatch:..." keys.</summary>
    public Dictionary<string, string?> Overrides(ParseResult parse)
    {
        var o = new Dictionary<string, string?>();
        if (parse.GetValue(Connection) is { Length: > 0 } c) o["ScoreBatch:Storage:ConnectionString"] = c;
        if (parse.GetValue(Queue) is { Length: > 0 } q)
        {
            // The poison queue adds "-poison": 56 characters leave room for it within Azure's 63.
            if (!ArtifactPath.IsValidContainerName(q) || q.Length > 56)
                throw new ArgumentException($"--queue: '{q}' must be 3-56 characters of a-z, 0-9 and single hyphens (the poison queue adds '-poison')");
            o["ScoreBatch:QueueName"] = q;
        }
        return o;
    }

    /// <summary>A host for verbs that use the services without running the worker loop.</summary>
    public IHost BuildHost(ParseResult parse, Dictionary<string, string?>? more = null)
    {
        var overrides = Overrides(parse);
        foreach (var (k, v) in more ?? []) overrides[k] = v;
        return WorkerHost.CreateBuilder(overrides).Build();
    }
}
