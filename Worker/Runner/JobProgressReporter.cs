using Microsoft.Extensions.Logging;
using ScoreBatch.Jobs.Contracts;

namespace ScoreBatch.Worker.Runner;

/// <summary>
/// The handler's <see cref="IProgress{T}"/>: keeps the latest report (synchronously, no posting to other threads)
/// and writes a readable progress line at most once per interval; the runner copies the latest report into
/// status.json on its progress tick.
/// </summary>
public sealed partial class JobProgressReporter(ILogger logger, TimeProvider time, TimeSpan logInterval) : IProgress<JobProgress>
{
    private readonly Lock _gate = new();
    private JobProgress? _latest;
    private long _version;
    private long _flushedVersion;
    private DateTimeOffset _lastLog = DateTimeOffset.MinValue;

    public JobProgress? Latest
    {
        get { lock (_gate) return _latest; }
    }

    public void Report(JobProgress value)
    {
        bool log;
        lock (_gate)
        {
            _latest = value;
            _version++;
            var now = time.GetUtcNow();
            log = now - _lastLog >= logInterval || value.Done >= value.Total;
            if (log) _lastLog = now;
        }
        if (log) LogProgress(logger, value.Done, value.Total, value.Unit, value.Message ?? "");
    }

    /// <summary>The latest report if it changed since the last call, else null.</summary>
    public JobProgress? TakeUnflushed()
    {
        lock (_gate)
        {
            if (_version == _flushedVersion) return null;
            _flushedVersion = _version;
            return _latest;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Progress {Done}/{Total} {Unit} {ProgressMessage}")]
    private static partial void LogProgress(ILogger logger, long done, long total, string unit, string progressMessage);
}
