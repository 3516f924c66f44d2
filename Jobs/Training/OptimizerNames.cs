using ScoreBatch.Jobs.Model;

namespace ScoreBatch.Jobs.Training;

/// <summary>Optimiser names (stable: recorded in checkpoints) and the one factory.</summary>
public static class OptimizerNames
{
    /// <summary>The released priors' optimiser (default).</summary>
    public const string AdaBelief = "adabelief";

    public const string Adam = "adam";

    public static IReadOnlyList<string> All { get; } = [AdaBelief, Adam];

    /// <summary>Builds the named optimiser over <paramref name="model"/>'s parameters.</summary>
    public static IScoreOptimizer Create(string name, ScoreNet model, double learningRate)
    {
        ArgumentNullException.ThrowIfNull(model);
        return name switch
        {
            AdaBelief => new AdaBelief(model.parameters(), learningRate),
            Adam => new AdamOptimizer(model.parameters(), learningRate),
            _ => throw new ArgumentException($"optimizer: unknown optimiser '{name}' (known: {string.Join(", ", All)})"),
        };
    }
}
