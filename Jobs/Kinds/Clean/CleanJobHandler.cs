using System.Globalization;
using System.Text;
using ScoreBatch.Jobs.Cleaning;
using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Jobs.Handlers;
using ScoreBatch.Jobs.Kinds.Score;
using ScoreBatch.Jobs.Previews;
using ScoreBatch.Jobs.Runtime;
using ScoreBatch.Jobs.Scoring;
using ScoreBatch.Storage.Formats;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Kinds.Clean;

/// <summary>
/// Runs "clean" jobs: removes what the prior finds implausible from every cutout under "input" (<see cref="Cleaner"/>:
/// annealed MAP at each cutout's noise level) and writes the cleaned cutouts and the removed component per input file,
/// the frames of the first params.animations cutouts as a GIF and a PNG strip, and "clean.csv" (<see cref="CleanOutputs"/>).
/// Files are read one at a time. Deterministic, so a redelivery writes the same bytes (overwrite: false keeps an
/// earlier attempt's). The runner writes status.json and _SUCCESS.
/// </summary>
public sealed class CleanJobHandler : IJobHandler
{
    public string Kind => CleanJobArgs.Kind;

    public void Validate(JobRequest request) => CleanJobArgs.From(request);

    /// <summary>Starts loading libtorch while the runner writes the job's status (see <see cref="TorchPreload"/>).</summary>
    public void Prepare(JobRequest request) => TorchPreload.Start();

    public async Task<JobOutcome> RunAsync(JobContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var args = CleanJobArgs.From(context.Request);
        var device = JobResources.ResolveDevice(args.Device ?? context.Device);
        using var model = await ScoreJobHandler.LoadModelAsync(context.Store, args.Model, device, cancellationToken).ConfigureAwait(false);
        if (args.Cleaning.THigh > model.Process.T)
            throw new JobValidationException("params.t_high", $"{args.Model}: must be at most the prior's T = {model.Process.T}, got {args.Cleaning.THigh}");
        var files = await JobInputs.ListCutoutFilesAsync(context.Store, args.Input, args.Output, cancellationToken).ConfigureAwait(false);
        var size = model.ImageSize;
        var summary = new StringBuilder(CleanOutputs.SummaryHeader).Append('\n');
        int done = 0, animated = 0;
        for (var f = 0; f < files.Count; f++)
        {
            var file = files[f];
            var cutouts = await JobInputs.ReadAllCutoutsAsync(context, [file], null, cancellationToken).ConfigureAwait(false);
            int[] shape;
            try
            {
                shape = ScoreShards.OutputShape(file.RelativeName, cutouts);
            }
            catch (CutoutFormatException e)
            {
                throw new JobValidationException(file.Path, e.Message);
            }
            var cleaned = new float[cutouts.Count * size * size];
            var removed = new float[cleaned.Length];
            for (var start = 0; start < cutouts.Count; start += args.Batch)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var batch = cutouts.GetRange(start, Math.Min(args.Batch, cutouts.Count - start));
                var sigmas = batch.Select(c => args.Noise ?? BackgroundNoise.Estimate(c.Pixels, c.Height, c.Width).Sigma).ToArray();
                float[] cleanedBatch, removedBatch, frames;
                using (var scope = NewDisposeScope())
                {
                    var x = PriorCutouts.ToTensor(batch, size, device, file.Path);
                    if (x.min().item<float>() <= model.Transform.DomainMin)
                        throw new JobValidationException(file.Path, $"a cutout has pixels at or below {model.Transform.DomainMin}, outside the model's transform {model.Transform.Spec}");
                    using var result = Cleaner.Clean(model.Process, model.Score, model.Transform, x, tensor(sigmas, ScalarType.Float32).to(device), null, args.Cleaning, cancellationToken);
                    cleanedBatch = result.Cleaned.contiguous().cpu().data<float>().ToArray();
                    removedBatch = result.Removed.contiguous().cpu().data<float>().ToArray();
                    frames = result.Frames.contiguous().cpu().data<float>().ToArray(); // [F x n x 1 x H x W]
                }
                cleanedBatch.CopyTo(cleaned, start * size * size);
                removedBatch.CopyTo(removed, start * size * size);
                var pixels = size * size;
                var frameCount = frames.Length / (batch.Count * pixels);
                for (var i = 0; i < batch.Count; i++)
                {
                    var r = removedBatch.AsSpan(i * pixels, pixels);
                    double sum = 0, abs = 0, max = 0;
                    foreach (var v in r)
                    {
                        sum += v;
                        abs += Math.Abs(v);
                        max = Math.Max(max, Math.Abs(v));
                    }
                    summary.Append(Quote(batch[i].Id)).Append(',').Append(Num(Math.Max(sigmas[i], args.Cleaning.MinNoise))).Append(',')
                        .Append(Num(sum)).Append(',').Append(Num(abs)).Append(',').Append(Num(max)).Append('\n');
                    if (animated >= args.Animations) continue;
                    animated++;
                    var own = Enumerable.Range(0, frameCount).Select(k => frames.AsSpan(((k * batch.Count) + i) * pixels, pixels).ToArray()).ToList();
                    await Write(context, args.Output, CleanOutputs.Frame(batch[i].Id, ".gif"), CleaningFrames.Gif(own, size, size), cancellationToken).ConfigureAwait(false);
                    await Write(context, args.Output, CleanOutputs.Frame(batch[i].Id, ".png"), CleaningFrames.Strip(own, size, size), cancellationToken).ConfigureAwait(false);
                }
                done += batch.Count;
                context.Progress.Report(new JobProgress(done, done + (cutouts.Count - start - batch.Count), "cutouts", $"{f} of {files.Count} files done; {done} cutouts cleaned"));
            }
            await Write(context, args.Output, CleanOutputs.Array(CleanOutputs.CleanedFolder, file.RelativeName), Npy.ToBytes(cleaned, shape), cancellationToken).ConfigureAwait(false);
            await Write(context, args.Output, CleanOutputs.Array(CleanOutputs.RemovedFolder, file.RelativeName), Npy.ToBytes(removed, shape), cancellationToken).ConfigureAwait(false);
        }
        await Write(context, args.Output, CleanOutputs.SummaryFile, Encoding.UTF8.GetBytes(summary.ToString()), cancellationToken).ConfigureAwait(false);
        return JobOutcome.Completed;
    }

    private static Task<bool> Write(JobContext context, string output, string relative, byte[] bytes, CancellationToken cancellationToken) =>
        context.Store.WriteAsync(JobInputs.Join(output, relative), BinaryData.FromBytes(bytes), overwrite: false, cancellationToken);

    private static string Num(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    private static string Quote(string s) => s.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;
}
