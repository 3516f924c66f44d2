using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Jobs.Handlers;
using ScoreBatch.Jobs.Kinds.Score;
using ScoreBatch.Jobs.Likelihood;

namespace ScoreBatch.Jobs.Kinds.Likelihood;

/// <summary>
/// The typed arguments of a "likelihood" job, parsed and checked from a <see cref="JobRequest"/>:
/// { "kind": "likelihood", "input": "container/prefix" (cutouts of the model's size), "output": "container/prefix",
///   "model": "container/path.ckpt", "params": { "probes": 4, "rtol": 1e-5, "atol": 1e-5, "seed": 0, "batch": 16,
///   "device": "auto" } }. Every problem throws <see cref="JobValidationException"/> naming the field.
/// </summary>
public sealed record LikelihoodJobArgs(string Input, string Output, string Model, LikelihoodOptions Likelihood, string? Device)
{
    /// <summary>The stable kind string.</summary>
    public const string Kind = JobKinds.Likelihood;

    /// <summary>Every param a likelihood job reads; any other is refused (<see cref="JobParams.RefuseUnknown"/>).</summary>
    public static IReadOnlyList<string> ParamNames { get; } = ["probes", "rtol", "atol", "seed", "batch", "device"];

    /// <summary>params.batch: cutouts integrated together, 1 to 1024 (default 16).</summary>
    public int Batch { get; init; } = 16;

    /// <summary>The likelihood options of params (probes, rtol, atol, seed), shared with score jobs that ask for likelihoods.</summary>
    public static LikelihoodOptions OptionsFrom(JobParams p)
    {
        ArgumentNullException.ThrowIfNull(p);
        var defaults = new LikelihoodOptions();
        return defaults with
        {
            Probes = p.GetInt32("probes", defaults.Probes, 1, 64),
            Adaptive = defaults.Adaptive with
            {
                RelativeTolerance = p.GetDouble("rtol", defaults.Adaptive.RelativeTolerance, 1e-10, 0.5),
                AbsoluteTolerance = p.GetDouble("atol", defaults.Adaptive.AbsoluteTolerance, 1e-10, 0.5),
            },
            Seed = p.GetInt64("seed", 0, 0, long.MaxValue),
        };
    }

    public static LikelihoodJobArgs From(JobRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var p = request.Params;
        p.RefuseUnknown(Kind, ParamNames);
        return new LikelihoodJobArgs(
            JobNames.Check("input", request.Input, requireBlobName: false),
            JobNames.Check("output", request.Output, requireBlobName: false),
            JobNames.Check("model", request.Model, requireBlobName: true),
            OptionsFrom(p),
            p.Has("device") ? p.GetString("device", "auto", ScoreJobArgs.DeviceNames) : null)
        {
            Batch = p.GetInt32("batch", 16, 1, 1024),
        };
    }
}
