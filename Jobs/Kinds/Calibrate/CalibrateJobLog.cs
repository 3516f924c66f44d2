using Microsoft.Extensions.Logging;

namespace ScoreBatch.Jobs.Kinds.Calibrate;

internal static partial class CalibrateJobLog
{
    [LoggerMessage(Level = LogLevel.Information,
        Message = "calibrate: {Statistic} statistic from {References} reference cutouts ({Copies} orientations each){Trend}; anomalous above {Threshold:F2} ({Fpr:P1} false-positive rate), references' median anomaly {Median:F2}")]
    public static partial void Fitted(ILogger logger, string statistic, int references, int copies, string trend, double threshold, double fpr, double median);
}
