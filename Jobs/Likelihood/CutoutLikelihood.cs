namespace ScoreBatch.Jobs.Likelihood;

/// <summary>
/// The likelihood of one cutout: log p(x) in nats in data space (the transform's log-Jacobian included) and in the
/// model space y, bits per dimension -log p(x) / (D·ln 2) (a continuous density: it can be negative), the standard
/// error of log p(x) over the probes (NaN with one probe), the solver's accepted steps and score evaluations (NFE,
/// one per stage, each with one vector-Jacobian product per probe).
/// </summary>
public sealed record CutoutLikelihood(string Id, double LogPx, double LogPy, double BitsPerDim, double StdError, int Dimensions, int Steps, int Evaluations);
