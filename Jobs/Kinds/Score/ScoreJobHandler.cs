using System.Runtime.ExceptionServices;
using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Jobs.Handlers;
using ScoreBatch.Jobs.Interop;
using ScoreBatch.Jobs.Kinds.Score.Split;
using ScoreBatch.Jobs.Likelihood;
using ScoreBatch.Jobs.Previews;
using ScoreBatch.Jobs.Runtime;
using ScoreBatch.Jobs.Scoring;
using ScoreBatch.Storage.Abstractions;
using ScoreBatch.Storage.Formats;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Kinds.Score;

/// <summary>
/// Runs "score" jobs: loads the checkpoint named by "model", scores every cutout file under "input" and writes
/// "&lt;output&gt;/scores/&lt;shard&gt;.npy" (or .fits with a provenance header, params.format) per input file (see
/// <see cref="ScoreShards"/> and <see cref="ScoreMapWriter"/>), "&lt;output&gt;/summary.csv" and
/// "&lt;output&gt;/previews/*.png" (the most anomalous cutouts by max_abs_score and a histogram, <see cref="AnomalyPreviews"/>).
/// Download, scoring and upload run as the bounded three-stage <see cref="CutoutPipeline{TResult}"/>, so memory
/// holds a few files whatever their number. Writes are conditional (overwrite: false): a redelivered job keeps what an earlier attempt wrote, and
/// since scoring is deterministic the kept bytes are the ones it would write. The runner writes status.json and
/// _SUCCESS. Cancellation stops all stages and surfaces as <see cref="OperationCanceledException"/>, which the
/// runner maps to snooze (shutdown) or cancel (lost message).
/// </summary>
public sealed class ScoreJobHandler(CutoutPipelineOptions? options = null) : JobHandler<ScoreJobArgs>
{
    private readonly CutoutPipelineOptions _options = (options ?? new CutoutPipelineOptions()).Validate();

    public override string Kind => ScoreJobArgs.Kind;

    protected override ScoreJobArgs Parse(JobRequest request, JobParamLimits limits) => ScoreJobArgs.From(request);

    /// <summary>Starts loading libtorch while the runner writes the job's status (see <see cref="TorchPreload"/>).</summary>
    public override void Prepare(JobRequest request) => TorchPreload.Start();

    protected override async Task<JobOutcome> ExecuteAsync(JobContext context, ScoreJobArgs args, CancellationToken cancellationToken)
    {
        var device = JobResources.ResolveDevice(args.Device ?? context.Device);
        // The model and the input listing are fetched at once (two round trips, then libtorch and the weights load).
        // Both are awaited whatever happens, so a failed listing never leaves a loaded model behind, and a bad model
        // is reported before a bad input, as when they ran one after the other.
        var modelLoad = LoadModelAsync(context.Store, args.Model, device, cancellationToken);
        // A child of a split job scores the files its parent's plan gives it; any other job, everything under input.
        var listing = args.Part is { } part
            ? PartFilesAsync(context.Store, args.SplitOf!, part, cancellationToken)
            : JobInputs.ListCutoutFilesAsync(context.Store, args.Input, args.Output, cancellationToken);
        try
        {
            await Task.WhenAll(modelLoad, listing).ConfigureAwait(false);
        }
        catch
        {
            if (modelLoad.IsCompletedSuccessfully) modelLoad.Result.Dispose();
            if (modelLoad.Exception?.InnerException is { } modelError) ExceptionDispatchInfo.Throw(modelError);
            throw;
        }
        using var model = modelLoad.Result;
        if (args.Precision == "bf16")
        {
            try
            {
                model.Prior.Network.UseMatmulPrecision(ScalarType.BFloat16);
            }
            catch (NotSupportedException e)
            {
                throw new JobValidationException("params.precision", $"{args.Model}: {e.Message}");
            }
        }
        var runtime = UseRuntime(model, args.Runtime, args.Model, lowPrecision: args.Precision != "fp32");
        var scoring = args.Calibration is null
            ? args.Scoring
            : await LoadCalibrationAsync(context.Store, args, model, cancellationToken).ConfigureAwait(false);
        Scorer scorer;
        try
        {
            scorer = model.CreateScorer(scoring);
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new JobValidationException("params.t", $"{args.Model}: {e.Message.Split(" (Parameter", 2)[0]}");
        }
        var files = listing.Result;
        var transformName = model.Transform.Spec.ToString();
        var deviceName = device.type.ToString();
        ScoreJobLog.Starting(context.Logger, files.Count, args.Input, args.Model, model.ImageSize, transformName, args.Scoring.T, deviceName, runtime);

        var previews = new AnomalyPreviews(args.Previews, AnomalyPreviews.RankingFor(scoring.Calibration is not null));
        var maps = new ScoreMapWriter(args.ScoreFormat, new ScoreMapProvenance(context.Request.Id, args.Model, model.Architecture, args.Scoring.T, transformName, args.Precision, runtime),
            context.CacheDirectory);
        var rows = new List<ScoreSummary>();
        var featureRows = new List<(string Id, IReadOnlyList<double> Features)>();
        var pipeline = new CutoutPipeline<CutoutScore[]>(context, files, _options)
        {
            CutoutsPerPass = scorer.CutoutsPerPass,
            ProgressMessage = (done, total) => $"{done} of {total} files scored",
            Compute = (batch, ct) => args.Likelihood is { } likelihood
                ? WithLikelihoods(ScoreFiles(scorer, batch, ct), LikelihoodBatches.Compute(model, batch, LikelihoodBatchSize, likelihood, ct))
                : ScoreFiles(scorer, batch, ct),
            Upload = async (file, scores, ct) =>
            {
                var relative = file.File.RelativeName;
                var path = JobInputs.Join(args.Output, maps.RelativeOutputName(relative));
                var bytes = maps.ToBytes(relative, OutputShape(file), file.Cutouts, scores);
                if (!await context.Store.WriteAsync(path, BinaryData.FromBytes(bytes), overwrite: false, ct).ConfigureAwait(false))
                    ScoreJobLog.Kept(context.Logger, path);
            },
            Record = (file, scores) =>
            {
                rows.AddRange(scores.Select(s => s.Summary));
                featureRows.AddRange(scores.Where(s => s.Features is not null).Select(s => (s.Summary.Id, (IReadOnlyList<double>)s.Features!)));
                for (int i = 0; i < scores.Length; i++) previews.Offer(file.Cutouts[i], scores[i]);
            },
        };
        await pipeline.RunAsync(cancellationToken).ConfigureAwait(false);

        var summaryPath = JobInputs.Join(args.Output, ScoreShards.SummaryFile);
        bool written = await context.Store.WriteAsync(summaryPath, BinaryData.FromBytes(ScoreSummaryCsv.ToBytes(rows)), overwrite: false, cancellationToken).ConfigureAwait(false);
        if (!written) ScoreJobLog.Kept(context.Logger, summaryPath);
        if (scoring.Calibration is { } calibration)
        {
            var featuresPath = JobInputs.Join(args.Output, FeaturesCsv.FileName);
            if (!await context.Store.WriteAsync(featuresPath, BinaryData.FromBytes(FeaturesCsv.ToBytes(calibration.Features, featureRows)), overwrite: false, cancellationToken).ConfigureAwait(false))
                ScoreJobLog.Kept(context.Logger, featuresPath);
        }
        foreach (var (relative, png) in previews.Render())
        {
            var previewPath = JobInputs.Join(args.Output, relative);
            if (!await context.Store.WriteAsync(previewPath, BinaryData.FromBytes(png), overwrite: false, cancellationToken).ConfigureAwait(false))
                ScoreJobLog.Kept(context.Logger, previewPath);
        }
        ScoreJobLog.Finished(context.Logger, rows.Count, files.Count, args.Output);
        return JobOutcome.Completed;
    }

    /// <summary>The input files of part <paramref name="part"/> in the plan at <paramref name="parentOutput"/>; no plan or no such part names params.split_of or params.part.</summary>
    private static async Task<IReadOnlyList<InputFile>> PartFilesAsync(IArtifactStore store, string parentOutput, int part, CancellationToken ct)
    {
        SplitPlan? plan;
        try
        {
            plan = await SplitPlan.ReadAsync(store, parentOutput, ct).ConfigureAwait(false);
        }
        catch (InvalidDataException e)
        {
            throw new JobValidationException("params.split_of", e.Message);
        }
        if (plan is null) throw new JobValidationException("params.split_of", $"'{SplitNames.PlanPath(parentOutput)}' does not exist (children are sent by the worker that splits their parent)");
        if (part >= plan.Parts.Count) throw new JobValidationException("params.part", $"the plan at '{SplitNames.PlanPath(parentOutput)}' has {plan.Parts.Count} parts, not part {part}");
        return [.. plan.Parts[part].Select(f => new InputFile(f.Path, f.Name, f.Size))];
    }

    /// <summary>The job's scoring options with params.calibration applied; a missing, corrupt or foreign one names the field.</summary>
    internal static async Task<ScoringOptions> LoadCalibrationAsync(IArtifactStore store, ScoreJobArgs args, ScoringModel model, CancellationToken cancellationToken)
    {
        var path = args.Calibration!;
        BinaryData bytes;
        try
        {
            bytes = await store.ReadAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (ArtifactNotFoundException)
        {
            throw new JobValidationException("params.calibration", $"'{path}' does not exist (write one with a calibrate job)");
        }
        try
        {
            var calibration = Anomaly.AnomalyCalibration.Parse(bytes.ToMemory().Span, path);
            if (calibration.ModelSha256 != model.ModelSha256)
                throw new JobValidationException("params.calibration", $"'{path}' was fitted with model '{calibration.Model}' (weights {calibration.ModelSha256[..Math.Min(12, calibration.ModelSha256.Length)]}), not {args.Model}");
            return args.Scoring.WithCalibration(calibration, args.NoiseGiven, args.TGiven, "params.calibration");
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException)
        {
            throw new JobValidationException("params.calibration", e.Message.Replace("params.calibration: ", "", StringComparison.Ordinal));
        }
    }

    internal static async Task<ScoringModel> LoadModelAsync(IArtifactStore store, string path, Device device, CancellationToken cancellationToken)
    {
        var bytes = await JobResources.ReadRequiredAsync(store, path, "model", cancellationToken).ConfigureAwait(false);
        try
        {
            // A checkpoint, or a galaxygrad .eqx prior imported on the fly (mixer, log1p, VP).
            return ScoringModel.FromCheckpoint(ModelInterchange.LoadModel(bytes.ToMemory().Span, path), device);
        }
        catch (InvalidDataException e)
        {
            throw new JobValidationException("model", e.Message);
        }
    }

    /// <summary>The score maps of a batch of files; a cutout the scorer refuses is a validation error naming its file.</summary>
    /// <summary>
    /// Puts <paramref name="model"/> on params.runtime <paramref name="requested"/> (<see cref="ScoringModel.UseRuntime"/>)
    /// and returns the engine chosen; one that cannot run is a validation error naming params.runtime and the model.
    /// Score and calibrate jobs both call it.
    /// </summary>
    internal static string UseRuntime(ScoringModel model, string requested, string modelName, bool lowPrecision = false)
    {
        try
        {
            return model.UseRuntime(requested, lowPrecision);
        }
        catch (ArgumentException e)
        {
            throw new JobValidationException("params.runtime", $"{modelName}: {e.Message}");
        }
    }

    /// <summary>Cutouts integrated together when params.likelihood is on (the likelihood job's default batch).</summary>
    private const int LikelihoodBatchSize = 16;

    /// <summary>The score rows of each file with its cutouts' log-likelihoods and bits/dim filled in.</summary>
    private static IReadOnlyList<CutoutScore[]> WithLikelihoods(IReadOnlyList<CutoutScore[]> scores, IReadOnlyList<CutoutLikelihood[]> likelihoods) =>
        [.. scores.Select((file, f) => file.Select((s, i) => s with
        {
            Summary = s.Summary with { LogLikelihood = likelihoods[f][i].LogPx, BitsPerDim = likelihoods[f][i].BitsPerDim },
        }).ToArray())];

    private static IReadOnlyList<CutoutScore[]> ScoreFiles(Scorer scorer, IReadOnlyList<CutoutFile> batch, CancellationToken ct)
    {
        foreach (var file in batch) OutputShape(file); // a stack the maps cannot mirror fails before any scoring
        try
        {
            return scorer.ScoreFiles([.. batch.Select(f => (f.Cutouts, f.File.RelativeName))], ct);
        }
        catch (CutoutScoringException e)
        {
            var owner = batch.First(f => f.Cutouts.Any(c => c.Id == e.CutoutId));
            throw new JobValidationException(owner.File.Path, e.Message);
        }
    }

    /// <summary>The shape of a file's score array (the input's); an inconsistent file is a validation error naming it.</summary>
    private static int[] OutputShape(CutoutFile file)
    {
        try
        {
            return ScoreShards.OutputShape(file.File.RelativeName, file.Cutouts);
        }
        catch (CutoutFormatException e)
        {
            throw new JobValidationException(file.File.Path, e.Message);
        }
    }
}
