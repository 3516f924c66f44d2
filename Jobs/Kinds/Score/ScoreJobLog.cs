using Microsoft.Extensions.Logging;

namespace ScoreBatch.Jobs.Kinds.Score;

/// <summary>The score handler's structured log lines (source-generated: no work when the level is off).</summary>
internal static partial class ScoreJobLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Scoring {Files} files under {Input} with {Model} ({Size}x{Size}, {Transform}) at t={T} on {Device} ({Runtime})")]
    public static partial void Starting(ILogger logger, int files, string input, string model, int size, string transform, double t, string device, string runtime);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Path} exists from an earlier attempt; kept")]
    public static partial void Kept(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scored {Cutouts} cutouts in {Files} files into {Output}")]
    public static partial void Finished(ILogger logger, int cutouts, int files, string output);
}
