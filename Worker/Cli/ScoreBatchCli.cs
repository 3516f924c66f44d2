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
        root.Subcommands.Add(SynthCommand.Create());
        root.Subcommands.Add(ScoreCommand.Create());
        return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
    }
}
