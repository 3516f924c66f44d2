namespace ScoreBatch.Jobs.Training;

/// <summary>
/// The optimiser seam the trainer and checkpoints use: one step from the accumulated gradients, and a state that
/// round-trips exactly through a stream (so that resumed training is bit-identical).
/// </summary>
public interface IScoreOptimizer : IDisposable
{
    /// <summary>Stable name recorded in checkpoints ("adabelief", "adam").</summary>
    string Name { get; }

    /// <summary>Steps taken so far.</summary>
    long StepCount { get; }

    /// <summary>
    /// Factor on the configured learning rate for the next <see cref="Step"/>s (1, the default, is the configured
    /// rate): the trainer's warm-up schedule sets it before every step. Not part of the saved state.
    /// </summary>
    double LearningRateScale { get; set; }

    void ZeroGrad();

    /// <summary>Updates the parameters in place from their .grad.</summary>
    void Step();

    void SaveState(BinaryWriter writer);

    /// <summary>Restores a state written by <see cref="SaveState"/> for the same parameters; throws on any mismatch.</summary>
    void LoadState(BinaryReader reader);
}
