using System.CommandLine;
using System.Reflection;

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
        root.Subcommands.Add(InjectCommand.Create());
        root.Subcommands.Add(ScoreCommand.Create());
        root.Subcommands.Add(CalibrateCommand.Create());
        root.Subcommands.Add(EvaluateCommand.Create());
        root.Subcommands.Add(UploadCommand.Create());
        root.Subcommands.Add(SubmitCommand.Create());
        root.Subcommands.Add(StatusCommand.Create());
        root.Subcommands.Add(WorkerCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(HealthCommand.Create());
        InteropCommands.AddTo(root);
        // The host handles SIGTERM/SIGINT itself (graceful shutdown within ScoreBatch:ShutdownTimeout); the parser
        // must not also race it with its own short termination timeout.
        // Failures a user can fix (bad settings, a malformed connection string, an unreachable file) print one line
        // naming the problem; SCOREBATCH_DEBUG=1 adds the stack trace.
        var invocation = new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false };
        try
        {
            return await root.Parse(args).InvokeAsync(invocation).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await Console.Error.WriteLineAsync("scorebatch: cancelled").ConfigureAwait(false);
            return 130;
        }
        catch (Exception e)
        {
            var debug = Environment.GetEnvironmentVariable("SCOREBATCH_DEBUG") is "1" or "true";
            await Console.Error.WriteLineAsync($"scorebatch: {Describe(e)}").ConfigureAwait(false);
            if (debug) await Console.Error.WriteLineAsync(e.ToString()).ConfigureAwait(false);
            return 1;
        }
    }

    /// <summary>The innermost useful message, with the exception kind for anything that is not a plain user error.</summary>
    internal static string Describe(Exception e)
    {
        while (e is AggregateException { InnerExceptions.Count: 1 } or TargetInvocationException && e.InnerException is not null)
            e = e.InnerException!;
        return e switch
        {
            Microsoft.Extensions.Options.OptionsValidationException v => string.Join("; ", v.Failures),
            FormatException when e.StackTrace?.Contains("StorageConnectionString", StringComparison.Ordinal) == true =>
                "the storage connection string is malformed (" + e.Message + ")",
            ArgumentException or InvalidOperationException or IOException or UnauthorizedAccessException or InvalidDataException => e.Message,
            _ => $"{e.GetType().Name}: {e.Message}",
        };
    }
}
