using System.Text;

namespace ScoreBatch.Tests.Shared;

/// <summary>
/// Captures what the code under test writes to <see cref="Console.Error"/> within one
/// test's async flow only. Console writers are process-wide and xUnit runs test classes in parallel, so a plain
/// <see cref="Console.SetError"/> would also catch other tests' lines (CI saw a train test's error inside a health
/// test's capture). The first capture installs a router once; each capture sets an async-local target that follows
/// its own awaits, and every other flow still writes to the original console.
/// </summary>
public static class ConsoleCapture
{
    private static readonly object Gate = new();
    private static Router? _error;

    /// <summary>Runs <paramref name="action"/> and returns its result with what it wrote to standard error.</summary>
    public static async Task<(T Result, string Error)> ErrorAsync<T>(Func<Task<T>> action)
    {
        var router = Install(ref _error, Console.Error, Console.SetError);
        var text = new StringWriter();
        var previous = router.Target.Value;
        router.Target.Value = text;
        try
        {
            return (await action().ConfigureAwait(false), text.ToString());
        }
        finally
        {
            router.Target.Value = previous;
        }
    }

    private static Router Install(ref Router? slot, TextWriter current, Action<TextWriter> set)
    {
        lock (Gate)
        {
            if (slot is null)
            {
                slot = new Router(current);
                set(slot);
            }
            return slot;
        }
    }

    private sealed class Router(TextWriter fallback) : TextWriter
    {
        public AsyncLocal<TextWriter?> Target { get; } = new();

        private TextWriter Current => Target.Value ?? fallback;

        public override Encoding Encoding => fallback.Encoding;

        public override void Write(char value)
        {
            var target = Current;
            lock (target) target.Write(value);
        }

        public override void Write(string? value)
        {
            var target = Current;
            lock (target) target.Write(value);
        }

        public override void Write(char[] buffer, int index, int count)
        {
            var target = Current;
            lock (target) target.Write(buffer, index, count);
        }

        public override void WriteLine(string? value)
        {
            var target = Current;
            lock (target) target.WriteLine(value);
        }

        public override Task WriteAsync(string? value)
        {
            Write(value);
            return Task.CompletedTask;
        }

        public override Task WriteLineAsync(string? value)
        {
            WriteLine(value);
            return Task.CompletedTask;
        }

        public override void Flush()
        {
            var target = Current;
            lock (target) target.Flush();
        }
    }
}
