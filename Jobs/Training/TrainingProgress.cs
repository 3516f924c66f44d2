namespace ScoreBatch.Jobs.Training;

/// <summary>
/// A progress report: <paramref name="Loss"/> is the mean per-step loss over the last report interval.
/// </summary>
public sealed record TrainingProgress(long Step, long TotalSteps, double Loss, double ImagesPerSecond, TimeSpan Eta, long Epoch)
{
    /// <summary>The line printed on long runs: "step 1200/10000  loss 0.10412  412.3 img/s  ETA 00:05:31  epoch 3".</summary>
    public override string ToString() =>
        $"step {Step}/{TotalSteps}  loss {Loss:F5}  {ImagesPerSecond:F1} img/s  ETA {Eta:hh\\:mm\\:ss}  epoch {Epoch}";
}
