using Microsoft.Extensions.Logging;

namespace ScoreBatch.Jobs.Kinds.Train;

internal static partial class TrainJobLog
{
    [LoggerMessage(Level = LogLevel.Information,
        Message = "train: {Images} images {Size}x{Size}, {Parameters} parameters, step {Step} of {Steps}, from {ResumedFrom}, device {Device}")]
    public static partial void Starting(ILogger logger, long images, int size, long parameters, long step, long steps, string resumedFrom, string device);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "train: {Source} holds weights only (no optimiser state): its weights (step {Step}) start a new run at step 0 with a fresh optimiser; resume from a periodic checkpoint (checkpoints/ckpt-*.ckpt) to continue exactly")]
    public static partial void WeightsOnly(ILogger logger, string source, long step);

    [LoggerMessage(Level = LogLevel.Information, Message = "train: finished at step {Step}, last loss {Loss:F5}; model {Model}")]
    public static partial void Finished(ILogger logger, long step, double loss, string model);
}
