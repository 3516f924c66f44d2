using ScoreBatch.Jobs.Handlers;

namespace ScoreBatch.Worker.Runner;

/// <summary>The job kinds the message contract defines (DESIGN.md, "Job contract"). Append only.</summary>
public static class JobKinds
{
    public const string Train = "train";
    public const string Score = "score";
    public const string Sample = "sample";
    public const string Likelihood = "likelihood";

    public static IReadOnlySet<string> All { get; } = new HashSet<string>(StringComparer.Ordinal) { Train, Score, Sample, Likelihood };

    /// <summary>The params a kind's handler reads (anything else is refused), or null for a kind without a handler here.</summary>
    public static IReadOnlyList<string>? KnownParams(string kind) => kind switch
    {
        Train => TrainJobArgs.ParamNames,
        Score => ScoreJobArgs.ParamNames,
        _ => null,
    };
}
