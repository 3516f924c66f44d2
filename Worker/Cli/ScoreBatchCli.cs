using System.CommandLine;

namespace ScoreBatch.Worker.Cli;

/// <summary>The `scorebatch` command line: one subcommand per verb, each with --help.</summary>
public static class ScoreBatchCli
{
    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("ScoreBatch: train and run score-based galaxy morphology priors.");
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(InfoCommand.Create());
        // Ctrl+C / SIGTERM cancel the command's token; long commands (train) then get this long to save their state
        // before the process is ended (a spot eviction notice can be 30 s).
        var invocation = new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(25) };
        return await root.Parse(args).InvokeAsync(invocation).ConfigureAwait(false);
    }
}
