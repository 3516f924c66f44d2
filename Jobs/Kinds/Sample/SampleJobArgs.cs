using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Jobs.Handlers;
using ScoreBatch.Jobs.Kinds.Score;
using ScoreBatch.Jobs.Sampling;

namespace ScoreBatch.Jobs.Kinds.Sample;

/// <summary>
/// The typed arguments of a "sample" job, parsed and checked from a <see cref="JobRequest"/>:
/// { "kind": "sample", "model": "container/path.ckpt", "output": "container/prefix", "input": "container/prefix"
///   (optional: training cutouts to compare with), "params": { "count": 16, "sampler": "rk4" | "rk45" | "sde" | "pc",
///   "steps": 100, "rtol": 1e-4, "atol": 1e-4, "corrector": 0 (1 for "pc"), "snr": 0.16, "seed": 0, "batch": 64, "clip": true,
///   "device": "auto" } }. Every problem throws <see cref="JobValidationException"/> naming the field.
/// </summary>
public sealed record SampleJobArgs(string? Input, string Output, string Model, SamplerOptions Sampler, string? Device)
{
    /// <summary>The stable kind string.</summary>
    public const string Kind = JobKinds.Sample;

    /// <summary>Every param a sample job reads; any other is refused (<see cref="JobParams.RefuseUnknown"/>).</summary>
    public static IReadOnlyList<string> ParamNames { get; } = ["count", "sampler", "steps", "rtol", "atol", "corrector", "snr", "seed", "batch", "clip", "device"];

    /// <summary>params.count: samples to draw, 1 to 4096 (default 16, a 4 x 4 grid).</summary>
    public int Count { get; init; } = 16;

    /// <summary>params.seed: the generator's seed (default 0); the same seed, model and params give the same samples.</summary>
    public long Seed { get; init; }

    /// <summary>params.batch: samples integrated together, 1 to 1024 (default 64).</summary>
    public int Batch { get; init; } = 64;

    /// <summary>params.clip: clip samples to the data range [0, 1] of peak-normalised galaxies (default true; SCIENCE.md 6).</summary>
    public bool Clip { get; init; } = true;

    /// <summary>The args of <paramref name="request"/>; "steps", when given, is also held to <paramref name="limits"/>
    /// (the worker's; none when omitted).</summary>
    public static SampleJobArgs From(JobRequest request, JobParamLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        limits ??= JobParamLimits.None;
        var p = request.Params;
        p.RefuseUnknown(Kind, ParamNames);
        var defaults = new SamplerOptions();
        var steps = p.GetInt32("steps", defaults.Steps, 1, 100_000);
        if (p.Has("steps")) limits.CheckSteps("params.steps", steps);
        var kindName = p.GetString("sampler", SamplerOptions.KindNames[0], SamplerOptions.KindNames);
        var kind = (SamplerKind)SamplerOptions.KindNames.ToList().IndexOf(kindName);
        var sampler = new SamplerOptions
        {
            Kind = kind,
            Steps = steps,
            Adaptive = defaults.Adaptive with
            {
                RelativeTolerance = p.GetDouble("rtol", defaults.Adaptive.RelativeTolerance, 1e-10, 0.5),
                AbsoluteTolerance = p.GetDouble("atol", defaults.Adaptive.AbsoluteTolerance, 1e-10, 0.5),
            },
            CorrectorSteps = p.GetInt32("corrector", kind == SamplerKind.Pc ? SamplerOptions.PcCorrectorSteps : 0, 0, 100),
            Snr = p.GetDouble("snr", defaults.Snr, 1e-4, 9.99),
        };
        if (sampler.CorrectorSteps > 0 && sampler.Kind is not (SamplerKind.ReverseSde or SamplerKind.Pc))
            throw new JobValidationException("params.corrector", $"a Langevin corrector needs sampler \"sde\" or \"pc\", got \"{kindName}\"");
        return new SampleJobArgs(
            request.Input is null ? null : JobNames.Check("input", request.Input, requireBlobName: false),
            JobNames.Check("output", request.Output, requireBlobName: false),
            JobNames.Check("model", request.Model, requireBlobName: true),
            sampler,
            p.Has("device") ? p.GetString("device", "auto", ScoreJobArgs.DeviceNames) : null)
        {
            Count = p.GetInt32("count", 16, 1, 4096),
            Seed = p.GetInt64("seed", 0, 0, long.MaxValue),
            Batch = p.GetInt32("batch", 64, 1, 1024),
            Clip = p.GetBool("clip", true),
        };
    }
}
