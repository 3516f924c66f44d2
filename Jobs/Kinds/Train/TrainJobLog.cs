using Microsoft.Extensions.Logging;

namespace ScoreBatch.Jobs.Kinds.Train;

internal static partial class TrainJobLog
{
    [LoggerMessage(Level = LogLevel.Information,
        Message = "train: {Images} images {Size}x{Size}, {Architecture} with {Parameters} parameters under {Process}, step {Step} of {Steps}, from {ResumedFrom}, device {Device}, precision {Precision}")]
    public static partial void Starting(ILogger logger, long images, int size, string architecture, long parameters, string process, long step, long steps, string resumedFrom, string device, string precision);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "train: VE sigma_max {SigmaMax:F4} = the largest distance between two of {Sample} training images in model space (Song and Ermon's rule); give process ve(sigma_max=...) to set it")]
    public static partial void SigmaMax(ILogger logger, double sigmaMax, long sample);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "train: {Source} holds weights only (no optimiser state): its weights (step {Step}) start a new run at step 0 with a fresh optimiser; resume from a periodic checkpoint (checkpoints/ckpt-*.ckpt) to continue exactly")]
    public static partial void WeightsOnly(ILogger logger, string source, long step);

    [LoggerMessage(Level = LogLevel.Information, Message = "train: finished at step {Step}, last loss {Loss:F5}; model {Model}")]
    public static partial void Finished(ILogger logger, long step, double loss, string model);
}
