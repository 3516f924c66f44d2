using System.CommandLine;

namespace ScoreBatch.Worker.Cli;

/// <summary>The `scorebatch` command line: one subcommand per verb, each with --help. Register new verbs below, one line each.</summary>
public static class ScoreBatchCli
{
    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("ScoreBatch: train and run score-based galaxy morphology priors.");
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(InfoCommand.Create());
        root.Subcommands.Add(SynthCommand.Create());
        root.Subcommands.Add(ScoreCommand.Create());
        root.Subcommands.Add(SubmitCommand.Create());
        root.Subcommands.Add(StatusCommand.Create());
        root.Subcommands.Add(WorkerCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(HealthCommand.Create());
        InteropCommands.AddTo(root);
        // The host handles SIGTERM/SIGINT itself (graceful shutdown within ScoreBatch:ShutdownTimeout); the parser
        // must not also race it with its own short termination timeout.
        var invocation = new InvocationConfiguration { ProcessTerminationTimeout = null };
        return await root.Parse(args).InvokeAsync(invocation).ConfigureAwait(false);
    }
}
