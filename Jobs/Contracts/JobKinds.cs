namespace ScoreBatch.Jobs.Contracts;

/// <summary>
/// The job kinds the message contract defines (DESIGN.md, "Job contract"), in one append-only list that the runner,
/// the message parser, `scorebatch submit` and the docs read. A new kind is a constant here, its args record and
/// handler under Jobs/, and one registration line in the worker's JobHandlerRegistrations.
/// </summary>
public static class JobKinds
{
    public const string Train = "train";
    public const string Score = "score";
    public const string Sample = "sample";
    public const string Likelihood = "likelihood";
    public const string Calibrate = "calibrate";
    public const string Clean = "clean";

    public static IReadOnlySet<string> All { get; } = new HashSet<string>(StringComparer.Ordinal) { Train, Score, Sample, Likelihood, Calibrate, Clean };
}
