using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Jobs.Handlers;
using ScoreBatch.Jobs.Kinds.Score.Split;
using ScoreBatch.Jobs.Scoring;

namespace ScoreBatch.Jobs.Kinds.Score;

/// <summary>
/// The typed arguments of a "score" job, parsed and checked from a <see cref="JobRequest"/>:
/// { "kind": "score", "input": "container/prefix" (cutout files, or one file), "output": "container/prefix",
///   "model": "container/path.ckpt" (or a galaxygrad "path.eqx"), "params": { "t": 0.02, "batch": 64, "threshold": 100,
///   "log_jacobian": false, "device": "auto", "previews": 8, "format": "npy" | "fits",
///   "noise": "estimate" | "none" | sigma, "calibration": "container/path/calibration.json", "precision": "fp32" | "bf16",
///   "runtime": "auto" | "torch" | "onnx" } }. Every problem throws <see cref="JobValidationException"/>
/// naming the field.
/// </summary>
public sealed record ScoreJobArgs(string Input, string Output, string Model, ScoringOptions Scoring, string? Device)
{
    /// <summary>The stable kind string.</summary>
    public const string Kind = JobKinds.Score;

    /// <summary>How many of the most anomalous cutouts (by max_abs_score) get a PNG preview (params.previews, 0 to 100, default 8).</summary>
    public int Previews { get; init; } = 8;

    /// <summary>File format of the score maps (params.format: "npy", the default, or "fits" with a provenance header).</summary>
    public ScoreMapFormat ScoreFormat { get; init; } = ScoreMapFormat.Npy;

    /// <summary>Values accepted by params.format.</summary>
    public static IReadOnlyList<string> FormatNames { get; } = ["npy", "fits"];

    /// <summary>Values accepted by params.device.</summary>
    public static IReadOnlyList<string> DeviceNames { get; } = ["auto", "cpu", "cuda"];

    /// <summary>Every param a score job reads; any other is refused (<see cref="JobParams.RefuseUnknown"/>).</summary>
    public static IReadOnlyList<string> ParamNames { get; } = ["t", "batch", "threshold", "log_jacobian", "device", "previews", "format", "noise", "calibration", "likelihood", "probes", "precision", "runtime",
        "split", "split_of", "part"];

    /// <summary>Largest params.split (input files per child).</summary>
    public const int MaxSplit = 1_000_000;

    /// <summary>
    /// params.split: fan the job out into children of at most this many input files each (the runner's business:
    /// see docs/worker.md, "Split jobs"); null when the job runs whole. A handler run directly (the CLI) ignores it.
    /// </summary>
    public int? Split { get; init; }

    /// <summary>params.split_of: a child's parent output prefix (set by the runner on the children it sends), or null.</summary>
    public string? SplitOf { get; init; }

    /// <summary>params.part: a child's part number in its parent's plan (with <see cref="SplitOf"/>), or null.</summary>
    public int? Part { get; init; }

    /// <summary>
    /// params.likelihood: also compute each cutout's log-likelihood (PF-ODE, <see cref="Jobs.Likelihood.LikelihoodEstimator"/>,
    /// params.probes probes, RK45 at 1e-5) into summary.csv's log_likelihood and bits_per_dim columns; null when off.
    /// Needs cutouts of the model's size.
    /// </summary>
    public Jobs.Likelihood.LikelihoodOptions? Likelihood { get; init; }

    /// <summary>
    /// params.precision: "fp32" (the default) or "bf16": the mixer's MLP products in bfloat16 for every forward pass of
    /// the job (<see cref="Model.ScoreNet.UseMatmulPrecision"/>; score maps within 1 % relative L2 of fp32, checked in CI).
    /// </summary>
    public string Precision { get; init; } = "fp32";

    /// <summary>
    /// params.runtime: the engine of the job's forward passes (<see cref="ScoringRuntime"/>): "auto" (the default: ONNX
    /// Runtime for fp32 mixer scoring on the CPU, libtorch otherwise), "torch" or "onnx".
    /// </summary>
    public string Runtime { get; init; } = ScoringRuntime.Auto;

    /// <summary>Values accepted by params.precision.</summary>
    public static IReadOnlyList<string> PrecisionNames { get; } = ["fp32", "bf16"];

    /// <summary>params.calibration: a calibration.json written by a calibrate job, or null.</summary>
    public string? Calibration { get; init; }

    /// <summary>Whether params.noise and params.t were given (a calibration supplies them otherwise).</summary>
    public bool NoiseGiven { get; init; }

    public bool TGiven { get; init; }

    /// <summary>The scoring options of params (t, batch, threshold, log_jacobian, noise), shared by score and calibrate jobs.</summary>
    public static ScoringOptions ScoringFrom(JobParams p)
    {
        ArgumentNullException.ThrowIfNull(p);
        var scoring = new ScoringOptions
        {
            T = TimeFrom(p),
            BatchSize = p.GetInt32("batch", 64, 1, 4096),
            Threshold = p.GetDouble("threshold", new ScoringOptions().Threshold, 0, 1e12),
            IncludeLogJacobian = p.GetBool("log_jacobian", false),
        };
        if (p.Has("noise"))
        {
            var node = p.Node["noise"]!;
            var text = node.GetValueKind() switch
            {
                System.Text.Json.JsonValueKind.Number => node.ToJsonString(),
                System.Text.Json.JsonValueKind.String => node.GetValue<string>(),
                _ => throw new JobValidationException("params.noise", $"must be \"none\", \"estimate\" or a number, got {node.ToJsonString()}"),
            };
            try
            {
                scoring = scoring.WithNoise(text, "params.noise");
            }
            catch (ArgumentException e)
            {
                throw new JobValidationException("params.noise", e.Message.Replace("params.noise: ", "", StringComparison.Ordinal));
            }
        }
        return scoring;
    }

    /// <summary>params.t: at least <see cref="ScoringOptions.MinT"/>; the prior's own T bounds it from above (checked with the model).</summary>
    private static double TimeFrom(JobParams p)
    {
        var t = p.GetDouble("t", 0.02, double.MinValue, double.MaxValue);
        return t >= ScoringOptions.MinT ? t : throw new JobValidationException("params.t",
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"must be a finite time of at least {ScoringOptions.MinT}, got {t}"));
    }

    public static ScoreJobArgs From(JobRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var p = request.Params;
        p.RefuseUnknown(Kind, ParamNames);
        var scoring = ScoringFrom(p);
        string? device = p.Has("device") ? p.GetString("device", "auto", DeviceNames) : null;
        return new ScoreJobArgs(
            JobNames.Check("input", request.Input, requireBlobName: false),
            JobNames.Check("output", request.Output, requireBlobName: false),
            JobNames.Check("model", request.Model, requireBlobName: true),
            scoring,
            device)
        {
            Previews = p.GetInt32("previews", 8, 0, 100),
            Likelihood = p.GetBool("likelihood", false)
                ? new Jobs.Likelihood.LikelihoodOptions { Probes = p.GetInt32("probes", new Jobs.Likelihood.LikelihoodOptions().Probes, 1, 64) }
                : p.Has("probes") ? throw new JobValidationException("params.probes", "is read only with \"likelihood\": true") : null,
            ScoreFormat = p.GetString("format", "npy", FormatNames) == "fits" ? ScoreMapFormat.Fits : ScoreMapFormat.Npy,
            Calibration = p.Has("calibration") ? JobNames.Check("params.calibration", p.GetString("calibration", ""), requireBlobName: true) : null,
            Precision = p.GetString("precision", "fp32", PrecisionNames),
            Runtime = p.GetString("runtime", ScoringRuntime.Auto, ScoringRuntime.Names),
            NoiseGiven = p.Has("noise"),
            TGiven = p.Has("t"),
            Split = p.Has("split") ? p.GetInt32("split", 1, 1, MaxSplit) : null,
            SplitOf = p.Has("split_of") ? JobNames.Check("params.split_of", p.GetString("split_of", ""), requireBlobName: true) : null,
            Part = p.Has("part") ? p.GetInt32("part", 0, 0, SplitNames.MaxParts - 1) : null,
        }.CheckSplit(request);
    }

    /// <summary>A child (split_of with part) is exactly the child the runner would send: its id and output follow from
    /// them, and it does not split again.</summary>
    private ScoreJobArgs CheckSplit(JobRequest request)
    {
        if ((SplitOf is null) != (Part is null))
            throw new JobValidationException(SplitOf is null ? "params.split_of" : "params.part", "params.split_of and params.part are given together (the runner sets both on a split job's children)");
        if (SplitOf is null) return this;
        if (Split is not null) throw new JobValidationException("params.split", "a child of a split job (params.split_of) does not split again");
        var expected = SplitNames.PartOutput(SplitOf, Part!.Value);
        if (Output.TrimEnd('/') != expected) throw new JobValidationException("output", $"a child of '{SplitOf}' (part {Part}) writes to '{expected}', not '{Output}'");
        if (SplitNames.ParsePartId(request.Id) is not { } id || id.Index != Part)
            throw new JobValidationException("id", $"a child of a split job has the id '<parent id>/{SplitNames.PartName(Part.Value)}', got '{request.Id}'");
        return this;
    }
}
