using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Jobs.Scoring;
using ScoreBatch.Storage.Formats;
using ScoreBatch.Storage.Local;

namespace ScoreBatch.Worker.Cli;

/// <summary>
/// A job the command line runs on local folders with the same handler as the queue (`scorebatch train`, `score`):
/// the folders the user names become the containers of a <see cref="LocalFolderArtifactStore.Mounted"/> store
/// ("input" for the data, "output" for --out, "model" for a checkpoint elsewhere), the flags become the message's
/// params, and the handler's progress and log lines go to the console. Errors that name a request field
/// ("params.batch", "input", "input/a.npy") are shown with the flag or path the user gave.
/// </summary>
internal sealed class LocalJob
{
    private const string InputContainer = "input";
    private const string OutputContainer = "output";
    private readonly Dictionary<string, string> _mounts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _flags = new(StringComparer.Ordinal);
    private readonly JsonObject _params = [];
    private readonly string _kind;
    private string? _input;
    private string? _output;
    private string? _model;

    public LocalJob(string kind) => _kind = kind;

    /// <summary>The job's clock (the system's unless a test sets another).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The folder --out names (full path).</summary>
    public string OutputFolder { get; private set; } = "";

    /// <summary>Reads the cutouts at <paramref name="path"/> (a file or a folder searched recursively), given by <paramref name="flag"/>.</summary>
    public LocalJob Input(string path, string flag)
    {
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            _mounts[InputContainer] = full;
            _input = InputContainer;
        }
        else if (File.Exists(full))
        {
            _mounts[InputContainer] = Path.GetDirectoryName(full)!;
            _input = $"{InputContainer}/{Path.GetFileName(full)}";
        }
        else
        {
            throw new ArgumentException($"{flag}: '{full}' is neither a file nor a folder");
        }
        _flags["input"] = flag;
        return this;
    }

    /// <summary>Writes every output under <paramref name="folder"/> (created when missing).</summary>
    public LocalJob Output(string folder, string flag = "--out")
    {
        OutputFolder = Path.GetFullPath(folder);
        _flags["output"] = flag;
        return this;
    }

    /// <summary>The request's "model" (call <see cref="Output"/> first): a file anywhere (a folder of its own is mounted for it unless it lies under a mounted one).</summary>
    public LocalJob Model(string file, string flag)
    {
        _model = Name(Path.GetFullPath(file), "model");
        _flags["model"] = flag;
        return this;
    }

    /// <summary>A param that names a file (params.calibration): mounted like the model.</summary>
    public LocalJob FileParam(string name, string file, string flag)
    {
        _params[name] = Name(Path.GetFullPath(file), name.Replace('_', '-'));
        _flags["params." + name] = flag;
        return this;
    }

    /// <summary>params.NAME = value, set from <paramref name="flag"/> (only flags the user gave: the job's defaults apply to the rest).</summary>
    public LocalJob Param(string name, JsonNode? value, string flag)
    {
        _params[name] = value;
        _flags["params." + name] = flag;
        return this;
    }

    /// <summary>
    /// params from the flags given on the command line (each flag beside the param it sets; a flag left out leaves the
    /// job's default): numbers as numbers, switches as booleans, the rest as strings.
    /// </summary>
    public LocalJob ParamsFrom(ParseResult parse, IEnumerable<(Option Option, string Param)> flags)
    {
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(flags);
        foreach (var (option, param) in flags)
        {
            if (parse.GetResult(option) is not { Implicit: false }) continue;
            Param(param, option switch
            {
                Option<bool> o => JsonValue.Create(parse.GetValue(o)),
                Option<int> o => JsonValue.Create(parse.GetValue(o)),
                Option<int?> o => JsonValue.Create(parse.GetValue(o)),
                Option<long> o => JsonValue.Create(parse.GetValue(o)),
                Option<long?> o => JsonValue.Create(parse.GetValue(o)),
                Option<double> o => JsonValue.Create(parse.GetValue(o)),
                Option<double?> o => JsonValue.Create(parse.GetValue(o)),
                Option<string> o => JsonValue.Create(parse.GetValue(o)),
                _ => throw new InvalidOperationException($"{option.Name}: no JSON form for {option.ValueType.Name}"),
            }, option.Name);
        }
        return this;
    }

    /// <summary>
    /// Runs a command's <paramref name="body"/> for this job and turns what a user can fix (a bad flag, file or
    /// cutout) into one line led by the kind, naming the flag or path, and exit code 2.
    /// </summary>
    public async Task<int> RunCommandAsync(Func<Task<int>> body, IReadOnlyDictionary<string, string> optionFlags)
    {
        ArgumentNullException.ThrowIfNull(body);
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (JobValidationException e)
        {
            await Console.Error.WriteLineAsync($"{_kind}: {Describe(e)}").ConfigureAwait(false);
            return 2;
        }
        catch (Exception e) when (e is CutoutFormatException or CutoutScoringException or InvalidDataException or ArgumentException or IOException
            or UnauthorizedAccessException or DllNotFoundException)
        {
            await Console.Error.WriteLineAsync($"{_kind}: {Describe(FlagErrors.Describe(e, optionFlags))}").ConfigureAwait(false);
            return 2;
        }
    }

    /// <summary>The job as the queue would receive it, with the store holding its folders.</summary>
    public (JobRequest Request, LocalFolderArtifactStore Store) Build()
    {
        if (OutputFolder.Length == 0) throw new InvalidOperationException("LocalJob.Output was not called");
        // An --out inside the data folder is named through the input's container, so the job's listing skips it.
        _output = _mounts.TryGetValue(InputContainer, out var data) && _input == InputContainer && Inside(data, OutputFolder)
            ? Join(InputContainer, Path.GetRelativePath(data, OutputFolder))
            : OutputContainer;
        _mounts[OutputContainer] = OutputFolder; // also when the output is named through "input": a model under --out is read as "output/..."
        var request = new JobRequest
        {
            Id = $"local-{_kind}",
            Kind = _kind,
            Input = _input,
            Output = _output,
            Model = _model,
            Params = new JobParams((JsonObject)_params.DeepClone()),
        };
        return (request, LocalFolderArtifactStore.Mounted(_mounts));
    }

    /// <summary>
    /// Runs <paramref name="handler"/> on <paramref name="request"/> over <paramref name="store"/>. Progress lines go to
    /// stdout led by the kind; the exit code is 0 on completion, 130 when stopped early (Ctrl+C) with the handler's
    /// reason on stderr, 2 when the job can never run (the message rewritten in terms of flags and paths).
    /// </summary>
    public async Task<int> RunAsync(IJobHandler handler, JobRequest request, LocalFolderArtifactStore store, string device, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var context = new JobContext
        {
            Request = request,
            Store = store,
            Progress = new ConsoleProgress(_kind, Time),
            Logger = new ConsoleLogger(this),
            Device = device,
            Time = Time,
            CacheDirectory = Path.Combine(Path.GetTempPath(), "scorebatch-cache"),
        };
        var outcome = await handler.RunAsync(context, cancellationToken).ConfigureAwait(false);
        switch (outcome.Kind)
        {
            case JobOutcomeKind.Completed:
                return 0;
            case JobOutcomeKind.Snooze or JobOutcomeKind.Cancelled:
                await Console.Error.WriteLineAsync($"{_kind}: {Describe(outcome.Reason ?? "stopped")}").ConfigureAwait(false);
                return 130;
            default:
                await Console.Error.WriteLineAsync($"{_kind}: {Describe(outcome.Reason ?? "failed")}").ConfigureAwait(false);
                return 2;
        }
    }

    /// <summary>
    /// <paramref name="e"/>'s message with request fields as flags ("params.batch: must be ..." -> "--batch must ...")
    /// and container names as the folders they stand for ("input/a.npy" -> "/data/a.npy").
    /// </summary>
    public string Describe(JobValidationException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var text = e.Message[(e.Field.Length + 2)..];
        if (_flags.TryGetValue(e.Field, out var flag))
            return text.StartsWith("must ", StringComparison.Ordinal) || text.StartsWith("is ", StringComparison.Ordinal) ? $"{flag} {Describe(text)}" : $"{flag}: {Describe(text)}";
        return $"{Describe(e.Field)}: {Describe(text)}";
    }

    /// <summary><paramref name="text"/> with every "container/..." name this job's store holds written as a local path.</summary>
    public string Describe(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var (container, folder) in _mounts.OrderByDescending(m => m.Key.Length))
        {
            text = Regex.Replace(text, $@"(?<![\w/.-]){Regex.Escape(container)}(/|\b)", m =>
                m.Groups[1].Value == "/" ? folder + Path.DirectorySeparatorChar : folder, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
        foreach (var (field, flag) in _flags)
        {
            if (field.StartsWith("params.", StringComparison.Ordinal))
                text = text.Replace(field, flag, StringComparison.Ordinal);
        }
        return text;
    }

    /// <summary>The store name of <paramref name="file"/>: under a folder already mounted, or in a container of its own.</summary>
    private string Name(string file, string container)
    {
        foreach (var (name, folder) in _mounts)
        {
            if (Inside(folder, file)) return Join(name, Path.GetRelativePath(folder, file));
        }
        if (OutputFolder.Length > 0 && Inside(OutputFolder, file)) return Join(OutputContainer, Path.GetRelativePath(OutputFolder, file));
        _mounts[container] = Path.GetDirectoryName(file)!;
        return $"{container}/{Path.GetFileName(file)}";
    }

    private static string Join(string container, string relative) =>
        relative == "." ? container : $"{container}/{relative.Replace(Path.DirectorySeparatorChar, '/')}";

    private static bool Inside(string folder, string path) =>
        path == folder || path.StartsWith(folder.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    /// <summary>
    /// A handler's progress as console lines ("train: step 100/1000 ..."): every report that advances the work, and
    /// of reports that do not (reading inputs before step 1) one every 2 s.
    /// </summary>
    private sealed class ConsoleProgress(string kind, TimeProvider time) : IProgress<JobProgress>
    {
        private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(2);
        private readonly Lock _gate = new();
        private long _lastDone = -1;
        private long? _lastPrinted;

        public void Report(JobProgress value)
        {
            var now = time.GetTimestamp();
            lock (_gate)
            {
                if (value.Done == _lastDone && value.Done != value.Total && _lastPrinted is { } last && time.GetElapsedTime(last, now) < Quiet) return;
                _lastDone = value.Done;
                _lastPrinted = now;
            }
            var line = value.Message ?? string.Create(CultureInfo.InvariantCulture, $"{value.Done} of {value.Total} {value.Unit}");
            Console.WriteLine($"{kind}: {line}");
        }
    }

    /// <summary>The handler's log: information to stdout as it is (handlers lead their lines with the kind), warnings and errors to stderr.</summary>
    private sealed class ConsoleLogger(LocalJob job) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            ArgumentNullException.ThrowIfNull(formatter);
            if (!IsEnabled(logLevel)) return;
            var text = job.Describe(formatter(state, exception));
            if (!text.StartsWith(job._kind + ":", StringComparison.Ordinal)) text = $"{job._kind}: {text}";
            if (logLevel >= LogLevel.Warning) Console.Error.WriteLine(text);
            else Console.WriteLine(text);
        }
    }
}
