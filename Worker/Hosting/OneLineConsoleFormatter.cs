using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace ScoreBatch.Worker.Hosting;

/// <summary>
/// The worker's console format: one line per event ("HH:mm:ss.fff level: Category[id] => scopes message"), and
/// an exception as one more clause on the same line, "(Type: message)", innermost cause included, never a stack
/// trace: a storage outage must not fill the log with SDK frames. <see cref="DebugSwitch.IsOn"/>
/// (SCOREBATCH_DEBUG=1) adds the full trace on the lines after.
/// </summary>
public sealed class OneLineConsoleFormatter(IOptionsMonitor<SimpleConsoleFormatterOptions> options) : ConsoleFormatter(Name)
{
    public new const string Name = "scorebatch";

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        ArgumentNullException.ThrowIfNull(textWriter);
        var message = logEntry.Formatter?.Invoke(logEntry.State, logEntry.Exception);
        if (message is null && logEntry.Exception is null) return;
        var o = options.CurrentValue;
        var line = new System.Text.StringBuilder();
        if (o.TimestampFormat is { } format)
            line.Append((o.UseUtcTimestamp ? DateTimeOffset.UtcNow : DateTimeOffset.Now).ToString(format, System.Globalization.CultureInfo.InvariantCulture));
        line.Append(Level(logEntry.LogLevel)).Append(": ").Append(logEntry.Category).Append('[').Append(logEntry.EventId.Id).Append(']');
        if (o.IncludeScopes && scopeProvider is not null)
            scopeProvider.ForEachScope((scope, b) => b.Append(" => ").Append(scope), line);
        line.Append(' ').Append(Flatten(message ?? ""));
        if (logEntry.Exception is { } e) line.Append(" (").Append(Flatten(Describe(e))).Append(')');
        textWriter.WriteLine(line.ToString());
        if (logEntry.Exception is not null && DebugSwitch.IsOn) textWriter.WriteLine(logEntry.Exception.ToString());
    }

    /// <summary>"Type: message", then "; caused by Type: message" for the innermost different cause.</summary>
    public static string Describe(Exception e)
    {
        ArgumentNullException.ThrowIfNull(e);
        // The SDK's "Retry failed after N tries" wraps one exception per try; the first tells what failed.
        while (e is AggregateException { InnerException: { } first }) e = first;
        var inner = e;
        while (inner.InnerException is not null) inner = inner.InnerException;
        var head = $"{e.GetType().Name}: {FirstLine(e.Message)}";
        return ReferenceEquals(inner, e) ? head : $"{head}; caused by {inner.GetType().Name}: {FirstLine(inner.Message)}";
    }

    /// <summary>The first line of a multi-line message (the Azure SDK adds status, headers and content on later lines).</summary>
    public static string FirstLine(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var end = text.AsSpan().IndexOfAny('\r', '\n');
        return end < 0 ? text : text[..end];
    }

    private static string Flatten(string text) => text.Contains('\n', StringComparison.Ordinal) ? text.ReplaceLineEndings(" ") : text;

    private static string Level(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        LogLevel.Critical => "crit",
        _ => "none",
    };
}
