using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Sampling;

/// <summary>Samples in model space [N x ...] and what they cost: accepted and rejected steps, score evaluations (NFE).</summary>
public sealed record SampleResult(Tensor Y, int Steps, int RejectedSteps, int Evaluations);
