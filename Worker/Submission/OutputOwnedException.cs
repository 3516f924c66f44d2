namespace ScoreBatch.Worker.Submission;

/// <summary>The output prefix belongs to another job (docs/security.md, "One job per output prefix").</summary>
public sealed class OutputOwnedException(string output, string message) : InvalidOperationException($"output: {message}")
{
    public string Output { get; } = output;
}
