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

    void ZeroGrad();

    /// <summary>Updates the parameters in place from their .grad.</summary>
    void Step();

    void SaveState(BinaryWriter writer);

    /// <summary>Restores a state written by <see cref="SaveState"/> for the same parameters; throws on any mismatch.</summary>
    void LoadState(BinaryReader reader);
}
