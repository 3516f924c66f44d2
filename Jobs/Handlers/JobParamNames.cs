using ScoreBatch.Jobs.Contracts;

namespace ScoreBatch.Jobs.Handlers;

/// <summary>The params each kind's args record reads; anything else in a message is refused (typos included).</summary>
public static class JobParamNames
{
    /// <summary>The known params of <paramref name="kind"/>, or null for a kind without a handler here.</summary>
    public static IReadOnlyList<string>? For(string kind) => kind switch
    {
        JobKinds.Train => TrainJobArgs.ParamNames,
        JobKinds.Score => ScoreJobArgs.ParamNames,
        JobKinds.Calibrate => CalibrateJobArgs.ParamNames,
        _ => null,
    };
}
