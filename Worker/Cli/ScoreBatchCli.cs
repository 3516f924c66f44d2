using System.CommandLine;
using System.CommandLine.Parsing;
using System.Reflection;
using ScoreBatch.Jobs.Runtime;
using ScoreBatch.Worker.Hosting;

namespace ScoreBatch.Worker.Cli;

/// <summary>The `scorebatch` command line: one subcommand per verb, each with --help. Register new verbs below, one line each.</summary>
public static class ScoreBatchCli
{
    /// <summary>--threads on every verb: libtorch's CPU threads (default: the CPUs this process may use; <see cref="CpuThreads"/>).</summary>
    private static readonly Option<int?> Threads = new("--threads")
    {
        Description = $"CPU threads for the network [default: ${CpuThreads.EnvironmentVariable}, else the CPUs this process may use (affinity and container CPU limit)]",
        Recursive = true,
    };

    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("ScoreBatch: train and run score-based galaxy morphology priors.");
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(InfoCommand.Create());
        root.Subcommands.Add(SynthCommand.Create());
        root.Subcommands.Add(InjectCommand.Create());
        root.Subcommands.Add(ScoreCommand.Create());
        root.Subcommands.Add(CalibrateCommand.Create());
        root.Subcommands.Add(SampleCommand.Create());
        root.Subcommands.Add(LikelihoodCommand.Create());
        root.Subcommands.Add(CleanCommand.Create());
        root.Subcommands.Add(EvaluateCommand.Create());
        root.Subcommands.Add(UploadCommand.Create());
        root.Subcommands.Add(SubmitCommand.Create());
        root.Subcommands.Add(StatusCommand.Create());
        root.Subcommands.Add(JobsCommand.Create());
        root.Subcommands.Add(CancelCommand.Create());
        root.Subcommands.Add(WorkerCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(HealthCommand.Create());
        InteropCommands.AddTo(root);
        root.Options.Add(Threads);
        // The host handles SIGTERM/SIGINT itself (graceful shutdown within ScoreBatch:ShutdownTimeout); the parser
        // must not also race it with its own short termination timeout.
        // Failures a user can fix (bad settings, a malformed connection string, an unreachable file) print one line
        // naming the problem; SCOREBATCH_DEBUG=1 adds the stack trace.
        var invocation = new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false };
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            // One line per bad flag (not the help page): "scorebatch train: --device: 'tpu' is not one of auto, cpu, cuda (see --help)".
            var verb = parse.CommandResult.Command == root ? "scorebatch" : $"scorebatch {parse.CommandResult.Command.Name}";
            foreach (var error in parse.Errors)
                await Console.Error.WriteLineAsync($"{verb}: {DescribeParseError(error)} (see --help)").ConfigureAwait(false);
            return 1;
        }
        try
        {
            // Before anything loads libtorch: its thread pools start with this count and a short spin.
            CpuThreads.Configure(parse.GetValue(Threads));
            OpenMpWaitTuning.Apply();
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync($"scorebatch: {e.Message}").ConfigureAwait(false);
            return 1;
        }
        try
        {
            return await parse.InvokeAsync(invocation).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await Console.Error.WriteLineAsync("scorebatch: cancelled").ConfigureAwait(false);
            return 130;
        }
        catch (Exception e)
        {
            await Console.Error.WriteLineAsync($"scorebatch: {Describe(e)}").ConfigureAwait(false);
            if (DebugSwitch.IsOn) await Console.Error.WriteLineAsync(e.ToString()).ConfigureAwait(false);
            return 1;
        }
    }

    /// <summary>A parse error on one line, led by the option it is about.</summary>
    internal static string DescribeParseError(ParseError error)
    {
        var text = string.Join(" ", error.Message.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return error.SymbolResult is OptionResult o && !text.Contains(o.Option.Name, StringComparison.Ordinal) ? $"{o.Option.Name}: {text}" : text;
    }

    /// <summary>The innermost useful message, with the exception kind for anything that is not a plain user error.</summary>
    internal static string Describe(Exception e)
    {
        // AggregateException: the SDK's "Retry failed after N tries" holds one inner exception per try; the first says it.
        while (e is AggregateException or TargetInvocationException && e.InnerException is not null)
            e = e.InnerException!;
        return e switch
        {
            Azure.RequestFailedException { Status: 0 } r =>
                $"storage is unreachable ({OneLineConsoleFormatter.FirstLine(r.Message)}); check --connection or SCOREBATCH__STORAGE__CONNECTIONSTRING",
            Azure.RequestFailedException r =>
                $"storage refused the request ({r.Status} {r.ErrorCode}): {OneLineConsoleFormatter.FirstLine(r.Message)}",
            System.Net.Http.HttpRequestException h =>
                $"storage is unreachable ({OneLineConsoleFormatter.FirstLine(h.Message)}); check --connection or SCOREBATCH__STORAGE__CONNECTIONSTRING",
            Microsoft.Extensions.Options.OptionsValidationException v => string.Join("; ", v.Failures),
            FormatException when e.StackTrace?.Contains("StorageConnectionString", StringComparison.Ordinal) == true =>
                "the storage connection string is malformed (" + e.Message + ")",
            ArgumentException { ParamName: { } name } a => OneLineConsoleFormatter.FirstLine(a.Message).Replace($" (Parameter '{name}')", "", StringComparison.Ordinal),
            ArgumentException or InvalidOperationException or IOException or UnauthorizedAccessException or InvalidDataException =>
                OneLineConsoleFormatter.FirstLine(e.Message),
            _ => $"{e.GetType().Name}: {OneLineConsoleFormatter.FirstLine(e.Message)}",
        };
    }
}
