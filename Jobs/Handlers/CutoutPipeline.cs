using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Storage.Formats;

namespace ScoreBatch.Jobs.Handlers;

/// <summary>An input file as the pipeline hands it to a job: the listing entry and its cutouts, read with the job's limits.</summary>
public sealed record CutoutFile(InputFile File, IReadOnlyList<Cutout> Cutouts);

/// <summary>
/// Pipeline depths of a per-cutout job; they bound memory whatever the number of cutouts.
/// </summary>
/// <param name="FilesAhead">
/// Input files downloading or parsed ahead of the compute stage (default 16: small files, such as one FITS cutout per
/// galaxy, are bound by round trips, so several download at once; they reach the compute stage in listing order).
/// </param>
/// <param name="UploadsAhead">Results waiting for upload (default 2: uploads never stall the compute stage on one slow write).</param>
/// <param name="UploadsInFlight">
/// Uploads running at once (default 8): a job over many one-cutout files is bound by one write round trip per file,
/// so several overlap; each file's <see cref="CutoutPipeline{TResult}.Record"/> still runs in listing order.
/// </param>
/// <param name="BytesAhead">
/// Listed bytes of the files ahead (default 64 MiB): however many files that is, at least one is always allowed, so
/// a file larger than this downloads alone.
/// </param>
public sealed record CutoutPipelineOptions(int FilesAhead = 16, int UploadsAhead = 2, long BytesAhead = 64L << 20, int UploadsInFlight = 8)
{
    public CutoutPipelineOptions Validate()
    {
        if (FilesAhead < 1 || FilesAhead > 256) throw new ArgumentOutOfRangeException(nameof(FilesAhead), FilesAhead, $"FilesAhead must be between 1 and 256, got {FilesAhead}");
        if (UploadsAhead < 1 || UploadsAhead > 64) throw new ArgumentOutOfRangeException(nameof(UploadsAhead), UploadsAhead, $"UploadsAhead must be between 1 and 64, got {UploadsAhead}");
        if (UploadsInFlight < 1 || UploadsInFlight > 64) throw new ArgumentOutOfRangeException(nameof(UploadsInFlight), UploadsInFlight, $"UploadsInFlight must be between 1 and 64, got {UploadsInFlight}");
        if (BytesAhead < 1) throw new ArgumentOutOfRangeException(nameof(BytesAhead), BytesAhead, $"BytesAhead must be positive, got {BytesAhead}");
        return this;
    }
}

/// <summary>
/// The bounded download -> compute -> upload pipeline of any job that works cutout by cutout (score today;
/// likelihood and clean reuse it). Downloads run several at once in listing order within
/// <see cref="CutoutPipelineOptions.FilesAhead"/> files and <see cref="CutoutPipelineOptions.BytesAhead"/> listed
/// bytes; the compute stage takes the next file together with the files after it that have already downloaded (up
/// to <see cref="CutoutsPerPass"/> cutouts), so small files share batches, and never waits for more than the first;
/// the upload stage hands each file's result to <see cref="Record"/> in listing order and then starts its
/// <see cref="Upload"/>, with up to <see cref="CutoutPipelineOptions.UploadsInFlight"/> writes overlapping. A bad file is a <see cref="JobValidationException"/> naming
/// it. One failed stage stops the others and its error, not the cancellations it caused, is what the caller sees;
/// cancellation surfaces as <see cref="OperationCanceledException"/>.
/// </summary>
/// <typeparam name="TResult">What the compute stage makes of one file (its score maps, its likelihoods, ...).</typeparam>
public sealed class CutoutPipeline<TResult>(JobContext context, IReadOnlyList<InputFile> files, CutoutPipelineOptions options)
{
    /// <summary>Computes one result per file of a batch of files (in their order). Runs on the compute stage only.</summary>
    public required Func<IReadOnlyList<CutoutFile>, CancellationToken, IReadOnlyList<TResult>> Compute { get; init; }

    /// <summary>
    /// Writes one file's result. Several run at once (started in listing order), so it must not touch state shared
    /// between files: what must follow listing order (summary rows, preview candidates) belongs in <see cref="Record"/>.
    /// </summary>
    public required Func<CutoutFile, TResult, CancellationToken, Task> Upload { get; init; }

    /// <summary>Takes note of one file's result, in listing order, one at a time, before its upload starts; null for nothing.</summary>
    public Action<CutoutFile, TResult>? Record { get; init; }

    /// <summary>Cutouts the compute stage takes in one call, at most (a file larger than that is taken alone).</summary>
    public int CutoutsPerPass { get; init; } = 512;

    /// <summary>The progress message after each compute call (files done, files in all).</summary>
    public Func<int, int, string> ProgressMessage { get; init; } = (done, total) => $"{done} of {total} files done";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var run = new Run(this, context, files, options.Validate());
        await run.ExecuteAsync(cancellationToken).ConfigureAwait(false);
    }

    private sealed class Run(CutoutPipeline<TResult> pipeline, JobContext context, IReadOnlyList<InputFile> files, CutoutPipelineOptions options)
    {
        // Downloads in listing order, each already running: the compute stage awaits them in that order.
        private readonly Channel<Task<CutoutFile>> _loaded = Channel.CreateBounded<Task<CutoutFile>>(new BoundedChannelOptions(options.FilesAhead) { SingleReader = true, SingleWriter = true });
        private readonly ByteBudget _bytesAhead = new(options.BytesAhead);
        private readonly Channel<(CutoutFile File, TResult Result)> _computed = Channel.CreateBounded<(CutoutFile, TResult)>(new BoundedChannelOptions(options.UploadsAhead) { SingleReader = true, SingleWriter = true });
        private long _cutoutsKnown;

        public async Task ExecuteAsync(CancellationToken cancellationToken)
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
        }

        private async Task DownloadAsync(CancellationToken ct)
        {
            try
            {
                foreach (var file in files)
                {
                    await _bytesAhead.AcquireAsync(file.Size, ct).ConfigureAwait(false); // given back once the file is computed
                    await _loaded.Writer.WriteAsync(LoadAsync(file, ct), ct).ConfigureAwait(false);
                }
            }
            finally
            {
                _loaded.Writer.TryComplete();
            }
        }

        private async Task<CutoutFile> LoadAsync(InputFile file, CancellationToken ct)
        {
            var bytes = await context.Store.ReadAsync(file.Path, ct).ConfigureAwait(false);
            var cutouts = JobCutoutReader.Read(context, file, bytes.ToMemory().Span);
            Interlocked.Add(ref _cutoutsKnown, cutouts.Count);
            return new CutoutFile(file, cutouts);
        }

        private async Task ComputeAsync(CancellationToken ct)
        {
            try
            {
                long done = 0;
                int filesDone = 0;
                var pending = new List<CutoutFile>();
                while (await _loaded.Reader.WaitToReadAsync(ct).ConfigureAwait(false))
                {
                    int count = 0;
                    while (count < pipeline.CutoutsPerPass && _loaded.Reader.TryPeek(out var next) && (pending.Count == 0 || next.IsCompleted))
                    {
                        _loaded.Reader.TryRead(out _);
                        var file = await next.ConfigureAwait(false); // a failed download or parse surfaces here, in order
                        pending.Add(file);
                        count += file.Cutouts.Count;
                    }
                    var results = pipeline.Compute(pending, ct);
                    if (results.Count != pending.Count)
                        throw new InvalidOperationException($"the compute stage returned {results.Count} results for {pending.Count} files");
                    for (int i = 0; i < pending.Count; i++)
                    {
                        _bytesAhead.Release(pending[i].File.Size);
                        await _computed.Writer.WriteAsync((pending[i], results[i]), ct).ConfigureAwait(false);
                    }
                    done += count;
                    filesDone += pending.Count;
                    pending.Clear();
                    context.Progress.Report(new JobProgress(done, Math.Max(done, Interlocked.Read(ref _cutoutsKnown)), "cutouts",
                        pipeline.ProgressMessage(filesDone, files.Count)));
                }
            }
            finally
            {
                _computed.Writer.TryComplete();
            }
        }

        private async Task UploadAsync(CancellationToken ct)
        {
            var inFlight = new List<Task>();
            ExceptionDispatchInfo? failure = null;
            try
            {
                await foreach (var (file, result) in _computed.Reader.ReadAllAsync(ct).ConfigureAwait(false))
                {
                    pipeline.Record?.Invoke(file, result);
                    inFlight.Add(pipeline.Upload(file, result, ct));
                    if (inFlight.Count < options.UploadsInFlight) continue;
                    var finished = await Task.WhenAny(inFlight).ConfigureAwait(false);
                    inFlight.Remove(finished);
                    await finished.ConfigureAwait(false); // a failed write surfaces here and stops the pipeline
                }
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
            // Every started write ends before the stage does, so none outlives the job's attempt; the first failure wins.
            try
            {
                await Task.WhenAll(inFlight).ConfigureAwait(false);
            }
            catch (Exception e) when (failure is null)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
            catch (Exception) when (failure is not null)
            {
                // already failing: the first error is the one reported
            }
            failure?.Throw();
        }
    }
}
