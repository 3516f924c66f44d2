using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Jobs.Interop;
using ScoreBatch.Jobs.Previews;
using ScoreBatch.Jobs.Runtime;
using ScoreBatch.Jobs.Scoring;
using ScoreBatch.Storage.Abstractions;
using ScoreBatch.Storage.Formats;
using static TorchSharp.torch;

using ScoreBatch.Jobs.Handlers;

namespace ScoreBatch.Jobs.Kinds.Score;

/// <summary>
/// Runs "score" jobs: loads the checkpoint named by "model", scores every cutout file under "input" and writes
/// "&lt;output&gt;/scores/&lt;shard&gt;.npy" (or .fits with a provenance header, params.format) per input file (see
/// <see cref="ScoreShards"/> and <see cref="ScoreMapWriter"/>), "&lt;output&gt;/summary.csv" and
/// "&lt;output&gt;/previews/*.png" (the most anomalous cutouts by max_abs_score and a histogram, <see cref="AnomalyPreviews"/>).
/// Download, scoring and upload run as a bounded three-stage pipeline, so memory holds a few files whatever their
/// number. Writes are conditional (overwrite: false): a redelivered job keeps what an earlier attempt wrote, and
/// since scoring is deterministic the kept bytes are the ones it would write. The runner writes status.json and
/// _SUCCESS. Cancellation stops all stages and surfaces as <see cref="OperationCanceledException"/>, which the
/// runner maps to snooze (shutdown) or cancel (lost message).
/// </summary>
public sealed class ScoreJobHandler(ScoreJobHandlerOptions? options = null) : IJobHandler
{
    private readonly ScoreJobHandlerOptions _options = (options ?? new ScoreJobHandlerOptions()).Validate();

    public string Kind => ScoreJobArgs.Kind;

    public void Validate(JobRequest request) => ScoreJobArgs.From(request);

    /// <summary>Starts loading libtorch while the runner writes the job's status (see <see cref="TorchPreload"/>).</summary>
    public void Prepare(JobRequest request) => TorchPreload.Start();

    public async Task<JobOutcome> RunAsync(JobContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var args = ScoreJobArgs.From(context.Request);
        var device = JobResources.ResolveDevice(args.Device ?? context.Device);
        // The model and the input listing are fetched at once (two round trips, then libtorch and the weights load).
        // Both are awaited whatever happens, so a failed listing never leaves a loaded model behind, and a bad model
        // is reported before a bad input, as when they ran one after the other.
        var modelLoad = LoadModelAsync(context.Store, args.Model, device, cancellationToken);
        var listing = JobInputs.ListCutoutFilesAsync(context.Store, args.Input, args.Output, cancellationToken);
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
        ScoreJobLog.Starting(context.Logger, files.Count, args.Input, args.Model, model.ImageSize, transformName, args.Scoring.T, deviceName);

        var previews = new AnomalyPreviews(args.Previews, AnomalyPreviews.RankingFor(scoring.Calibration is not null));
        var maps = new ScoreMapWriter(args.ScoreFormat, new ScoreMapProvenance(context.Request.Id, args.Model, model.Architecture, args.Scoring.T, transformName),
            context.CacheDirectory);
        var run = new PipelineRun(context, args, scorer, files, _options, previews, maps);
        var rows = await run.ExecuteAsync(cancellationToken).ConfigureAwait(false);

        var summaryPath = JobInputs.Join(args.Output, ScoreShards.SummaryFile);
        bool written = await context.Store.WriteAsync(summaryPath, BinaryData.FromBytes(ScoreSummaryCsv.ToBytes(rows)), overwrite: false, cancellationToken).ConfigureAwait(false);
        if (!written) ScoreJobLog.Kept(context.Logger, summaryPath);
        foreach (var (relative, png) in previews.Render())
        {
            var previewPath = JobInputs.Join(args.Output, relative);
            if (!await context.Store.WriteAsync(previewPath, BinaryData.FromBytes(png), overwrite: false, cancellationToken).ConfigureAwait(false))
                ScoreJobLog.Kept(context.Logger, previewPath);
        }
        ScoreJobLog.Finished(context.Logger, rows.Count, files.Count, args.Output);
        return JobOutcome.Completed;
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

    private sealed record LoadedFile(InputFile File, IReadOnlyList<Cutout> Cutouts, int[] Shape);

    private sealed record ScoredFile(InputFile File, int[] Shape, IReadOnlyList<Cutout> Cutouts, IReadOnlyList<CutoutScore> Scores);

    /// <summary>One execution of the download -> score -> upload pipeline.</summary>
    private sealed class PipelineRun(JobContext context, ScoreJobArgs args, Scorer scorer, IReadOnlyList<InputFile> files, ScoreJobHandlerOptions options,
        AnomalyPreviews previews, ScoreMapWriter maps)
    {
        // Downloads in listing order, each already running: the scorer awaits them in that order.
        private readonly Channel<Task<LoadedFile>> _loaded = Channel.CreateBounded<Task<LoadedFile>>(new BoundedChannelOptions(options.FilesAhead) { SingleReader = true, SingleWriter = true });
        private readonly ByteBudget _bytesAhead = new(options.BytesAhead);
        private readonly Channel<ScoredFile> _scored = Channel.CreateBounded<ScoredFile>(new BoundedChannelOptions(options.UploadsAhead) { SingleReader = true, SingleWriter = true });
        private readonly List<ScoreSummary> _rows = [];
        private long _cutoutsKnown;

        public async Task<IReadOnlyList<ScoreSummary>> ExecuteAsync(CancellationToken cancellationToken)
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            Task Stage(Func<CancellationToken, Task> body) => Task.Run(async () =>
            {
                try
                {
                    await body(stop.Token).ConfigureAwait(false);
                }
                catch
                {
                    await stop.CancelAsync().ConfigureAwait(false); // one failed stage stops the others
                    throw;
                }
            }, CancellationToken.None);

            Task[] stages = [Stage(DownloadAsync), Stage(ComputeAsync), Stage(UploadAsync)];
            try
            {
                await Task.WhenAll(stages).ConfigureAwait(false);
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                // Surface the stage failure that started it, not the cancellations it caused in the other stages.
                var root = stages.Where(t => t.IsFaulted).Select(t => t.Exception!.InnerException!)
                    .FirstOrDefault(e => e is not OperationCanceledException);
                if (root is not null) ExceptionDispatchInfo.Throw(root);
                throw;
            }
            return _rows;
        }

        /// <summary>
        /// Starts the downloads in listing order, several at once (small files are bound by round trips, not
        /// bandwidth), within <see cref="ScoreJobHandlerOptions.FilesAhead"/> files and
        /// <see cref="ScoreJobHandlerOptions.BytesAhead"/> listed bytes not yet scored.
        /// </summary>
        private async Task DownloadAsync(CancellationToken ct)
        {
            try
            {
                foreach (var file in files)
                {
                    await _bytesAhead.AcquireAsync(file.Size, ct).ConfigureAwait(false); // given back once the file is scored
                    await _loaded.Writer.WriteAsync(LoadAsync(file, ct), ct).ConfigureAwait(false);
                }
            }
            finally
            {
                _loaded.Writer.TryComplete();
            }
        }

        private async Task<LoadedFile> LoadAsync(InputFile file, CancellationToken ct)
        {
            var bytes = await context.Store.ReadAsync(file.Path, ct).ConfigureAwait(false);
            IReadOnlyList<Cutout> cutouts;
            int[] shape;
            try
            {
                cutouts = CutoutReader.Read(file.RelativeName, bytes.ToMemory().Span, context.InputLimits);
                shape = ScoreShards.OutputShape(file.RelativeName, cutouts);
            }
            catch (CutoutFormatException e)
            {
                throw new JobValidationException(file.Path, e.Message);
            }
            Interlocked.Add(ref _cutoutsKnown, cutouts.Count);
            return new LoadedFile(file, cutouts, shape);
        }

        /// <summary>
        /// Scores the next file, together with the files after it that have already downloaded (up to
        /// <see cref="Scorer.CutoutsPerPass"/>), so that small files share batches and the scoring lanes stay busy;
        /// it never waits for more files than the first.
        /// </summary>
        private async Task ComputeAsync(CancellationToken ct)
        {
            try
            {
                long done = 0;
                int filesDone = 0;
                int fill = scorer.CutoutsPerPass;
                var pending = new List<LoadedFile>();
                while (await _loaded.Reader.WaitToReadAsync(ct).ConfigureAwait(false))
                {
                    int count = 0;
                    while (count < fill && _loaded.Reader.TryPeek(out var next) && (pending.Count == 0 || next.IsCompleted))
                    {
                        _loaded.Reader.TryRead(out _);
                        var file = await next.ConfigureAwait(false); // a failed download or parse surfaces here, in order
                        pending.Add(file);
                        count += file.Cutouts.Count;
                    }
                    IReadOnlyList<CutoutScore[]> scores;
                    try
                    {
                        scores = scorer.ScoreFiles([.. pending.Select(f => (f.Cutouts, f.File.RelativeName))], ct);
                    }
                    catch (CutoutScoringException e)
                    {
                        var owner = pending.First(f => f.Cutouts.Any(c => c.Id == e.CutoutId));
                        throw new JobValidationException(owner.File.Path, e.Message);
                    }
                    for (int i = 0; i < pending.Count; i++)
                    {
                        var f = pending[i];
                        _bytesAhead.Release(f.File.Size);
                        await _scored.Writer.WriteAsync(new ScoredFile(f.File, f.Shape, f.Cutouts, scores[i]), ct).ConfigureAwait(false);
                    }
                    done += count;
                    filesDone += pending.Count;
                    pending.Clear();
                    context.Progress.Report(new JobProgress(done, Math.Max(done, Interlocked.Read(ref _cutoutsKnown)), "cutouts",
                        $"{filesDone} of {files.Count} files scored"));
                }
            }
            finally
            {
                _scored.Writer.TryComplete();
            }
        }

        private async Task UploadAsync(CancellationToken ct)
        {
            await foreach (var file in _scored.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                var path = JobInputs.Join(args.Output, maps.RelativeOutputName(file.File.RelativeName));
                var bytes = maps.ToBytes(file.File.RelativeName, file.Shape, file.Cutouts, file.Scores);
                bool written = await context.Store.WriteAsync(path, BinaryData.FromBytes(bytes), overwrite: false, ct).ConfigureAwait(false);
                if (!written) ScoreJobLog.Kept(context.Logger, path);
                _rows.AddRange(file.Scores.Select(s => s.Summary));
                for (int i = 0; i < file.Scores.Count; i++)
                    previews.Offer(file.Cutouts[i], file.Scores[i]);
            }
        }
    }
}
