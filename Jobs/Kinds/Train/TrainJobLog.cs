using Microsoft.Extensions.Logging;

namespace ScoreBatch.Jobs.Kinds.Train;

internal static partial class TrainJobLog
{
    [LoggerMessage(Level = LogLevel.Information,
        Message = "train: {Images} images {Size}x{Size}, {Parameters} parameters, step {Step} of {Steps}, from {ResumedFrom}, device {Device}")]
    public static partial void Starting(ILogger logger, long images, int size, long parameters, long step, long steps, string resumedFrom, string device);

    [LoggerMessage(Level = LogLevel.Information, Message = "train: finished at step {Step}, last loss {Loss:F5}; model {Model}")]
    public static partial void Finished(ILogger logger, long step, double loss, string model);
}
