using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ScoreBatch.Reliability.Tests.Support;

/// <summary>
/// A logger provider that keeps every line (message, scope values and exception text, as a console would show
/// them) so tests can search the logs, e.g. for secrets.
/// </summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => [.. _lines];

    public string Text => string.Join('\n', _lines);

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        private readonly AsyncLocal<List<object?>?> _scopes = new();

        public IDisposable BeginScope<TState>(TState state) where TState : notnull
        {
            var list = _scopes.Value = [.. _scopes.Value ?? [], state];
            return new Pop(() => _scopes.Value = list.Take(list.Count - 1).ToList());
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var scopes = string.Join(" => ", (_scopes.Value ?? []).Select(Render));
            owner._lines.Enqueue($"{logLevel} {category}: {scopes} {formatter(state, exception)} {exception}");
        }

        private static string Render(object? scope) => scope is IEnumerable<KeyValuePair<string, object?>> pairs
            ? string.Join(", ", pairs.Select(p => $"{p.Key}:{p.Value}"))
            : scope?.ToString() ?? "";
    }

    private sealed class Pop(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}
