using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Jobs.Kinds.Calibrate;
using ScoreBatch.Jobs.Kinds.Clean;
using ScoreBatch.Jobs.Kinds.Likelihood;
using ScoreBatch.Jobs.Kinds.Sample;
using ScoreBatch.Jobs.Kinds.Score;
using ScoreBatch.Jobs.Kinds.Train;

namespace ScoreBatch.Jobs.Kinds;

/// <summary>The params each kind's args record reads; anything else in a message is refused (typos included).</summary>
public static class JobParamNames
{
    /// <summary>The known params of <paramref name="kind"/>, or null for a kind without a handler here.</summary>
    public static IReadOnlyList<string>? For(string kind) => kind switch
    {
        JobKinds.Train => TrainJobArgs.ParamNames,
        JobKinds.Score => ScoreJobArgs.ParamNames,
        JobKinds.Calibrate => CalibrateJobArgs.ParamNames,
        JobKinds.Sample => SampleJobArgs.ParamNames,
        JobKinds.Likelihood => LikelihoodJobArgs.ParamNames,
        JobKinds.Clean => CleanJobArgs.ParamNames,
        _ => null,
    };
}
