namespace ScoreBatch.Jobs.Training;

/// <summary>How a call to <see cref="Trainer.RunAsync"/> ended.</summary>
/// <param name="Step">Steps completed so far (all calls together).</param>
/// <param name="Cancelled">True when the token stopped the run before <see cref="TrainerOptions.Steps"/>: checkpoint now.</param>
/// <param name="LastLoss">Loss of the last step of this call (NaN when it ran none).</param>
public sealed record TrainingResult(long Step, bool Cancelled, double LastLoss);
