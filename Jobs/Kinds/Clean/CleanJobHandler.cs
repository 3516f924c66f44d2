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
/// the frames of the first params.animations cutouts as a GIF and a PNG strip, and "clean.csv" (<see cref="CleanOutputs"/>),
/// through the shared bounded <see cref="CutoutPipeline{TResult}"/>. Deterministic, so a redelivery writes the same
/// bytes (overwrite: false keeps an earlier attempt's). The runner writes status.json and _SUCCESS.
/// </summary>
public sealed class CleanJobHandler(CutoutPipelineOptions? options = null) : JobHandler<CleanJobArgs>
{
    private readonly CutoutPipelineOptions _options = (options ?? new CutoutPipelineOptions()).Validate();

    public override string Kind => CleanJobArgs.Kind;

    protected override CleanJobArgs Parse(JobRequest request, JobParamLimits limits) => CleanJobArgs.From(request, limits);

    /// <summary>Starts loading libtorch while the runner writes the job's status (see <see cref="TorchPreload"/>).</summary>
    public override void Prepare(JobRequest request) => TorchPreload.Start();

    private sealed record CleanedFile(int[] Shape, float[] Cleaned, float[] Removed, string Rows, IReadOnlyList<(string Id, List<float[]> Frames)> Animations);

    protected override async Task<JobOutcome> ExecuteAsync(JobContext context, CleanJobArgs args, CancellationToken cancellationToken)
    {
        var device = JobResources.ResolveDevice(args.Device ?? context.Device);
        using var model = await ScoreJobHandler.LoadModelAsync(context.Store, args.Model, device, cancellationToken).ConfigureAwait(false);
        if (args.Cleaning.THigh > model.Process.T)
            throw new JobValidationException("params.t_high", $"{args.Model}: must be at most the prior's T = {model.Process.T}, got {args.Cleaning.THigh}");
        var files = await JobInputs.ListCutoutFilesAsync(context.Store, args.Input, args.Output, cancellationToken).ConfigureAwait(false);
        var size = model.ImageSize;
        var summary = new StringBuilder(CleanOutputs.SummaryHeader).Append('\n');
        var animated = 0;
        var pipeline = new CutoutPipeline<CleanedFile>(context, files, _options)
        {
            Compute = (batch, ct) => [.. batch.Select(f => CleanFile(model, args, f, ref animated, ct))],
            Upload = async (file, result, ct) =>
            {
                await Write(context, args.Output, CleanOutputs.Array(CleanOutputs.CleanedFolder, file.File.RelativeName), Npy.ToBytes(result.Cleaned, result.Shape), ct).ConfigureAwait(false);
                await Write(context, args.Output, CleanOutputs.Array(CleanOutputs.RemovedFolder, file.File.RelativeName), Npy.ToBytes(result.Removed, result.Shape), ct).ConfigureAwait(false);
                foreach (var (id, frames) in result.Animations)
                {
                    await Write(context, args.Output, CleanOutputs.Frame(id, ".gif"), CleaningFrames.Gif(frames, size, size), ct).ConfigureAwait(false);
                    await Write(context, args.Output, CleanOutputs.Frame(id, ".png"), CleaningFrames.Strip(frames, size, size), ct).ConfigureAwait(false);
                }
            },
            Record = (_, result) => summary.Append(result.Rows),
            CutoutsPerPass = Math.Max(args.Batch, 64),
            ProgressMessage = (done, total) => $"{done} of {total} files cleaned",
        };
        await pipeline.RunAsync(cancellationToken).ConfigureAwait(false);
        await Write(context, args.Output, CleanOutputs.SummaryFile, Encoding.UTF8.GetBytes(summary.ToString()), cancellationToken).ConfigureAwait(false);
        return JobOutcome.Completed;
    }

    /// <summary>Cleans one file's cutouts in batches; keeps the frames of cutouts while fewer than params.animations have been kept.</summary>
    private static CleanedFile CleanFile(ScoringModel model, CleanJobArgs args, CutoutFile file, ref int animated, CancellationToken ct)
    {
        var cutouts = file.Cutouts;
        var size = model.ImageSize;
        var pixels = size * size;
        int[] shape;
        try
        {
            shape = ScoreShards.OutputShape(file.File.RelativeName, cutouts);
        }
        catch (CutoutFormatException e)
        {
            throw new JobValidationException(file.File.Path, e.Message);
        }
        var cleaned = new float[cutouts.Count * pixels];
        var removed = new float[cleaned.Length];
        var rows = new StringBuilder();
        var animations = new List<(string, List<float[]>)>();
        for (var start = 0; start < cutouts.Count; start += args.Batch)
        {
            ct.ThrowIfCancellationRequested();
            var batch = cutouts.Skip(start).Take(args.Batch).ToList();
            var sigmas = batch.Select(c => args.Noise ?? BackgroundNoise.Estimate(c.Pixels, c.Height, c.Width).Sigma).ToArray();
            var masks = args.AutoMask ? ArtifactMask.Compute(model, batch, args.Noise, args.Cleaning.MinNoise, args.Batch, ct) : null;
            float[] frames;
            using (var scope = NewDisposeScope())
            {
                var x = PriorCutouts.ToTensor(batch, size, model.Device, file.File.Path);
                var bad = batch.FindIndex(c => c.Pixels.Any(v => v <= model.Transform.DomainMin));
                if (bad >= 0)
                    throw new JobValidationException(file.File.Path, $"cutout '{batch[bad].Id}' has pixels at or below {model.Transform.DomainMin}, outside the model's transform {model.Transform.Spec}");
                using var mask = masks is null ? null : tensor(masks, [batch.Count, 1, size, size]).to(model.Device);
                using var result = Cleaner.Clean(model.Process, model.Score, model.Transform, x, tensor(sigmas, ScalarType.Float32).to(model.Device), mask, args.Cleaning, ct);
                result.Cleaned.contiguous().cpu().data<float>().CopyTo(cleaned, start * pixels);
                result.Removed.contiguous().cpu().data<float>().CopyTo(removed, start * pixels);
                frames = result.Frames.contiguous().cpu().data<float>().ToArray(); // [F x n x 1 x H x W]
            }
            var frameCount = frames.Length / (batch.Count * pixels);
            for (var i = 0; i < batch.Count; i++)
            {
                var r = removed.AsSpan((start + i) * pixels, pixels);
                double sum = 0, abs = 0, max = 0;
                foreach (var v in r)
                {
                    sum += v;
                    abs += Math.Abs(v);
                    max = Math.Max(max, Math.Abs(v));
                }
                rows.Append(ScoreSummaryCsv.Quote(batch[i].Id)).Append(',').Append(Num(Math.Max(sigmas[i], args.Cleaning.MinNoise))).Append(',')
                    .Append(Num(sum)).Append(',').Append(Num(abs)).Append(',').Append(Num(max)).Append(',')
                    .Append(masks is null ? 0 : masks.AsSpan(i * pixels, pixels).Count(0f)).Append('\n');
                if (animated >= args.Animations) continue;
                animated++;
                animations.Add((batch[i].Id, [.. Enumerable.Range(0, frameCount).Select(k => frames.AsSpan(((k * batch.Count) + i) * pixels, pixels).ToArray())]));
            }
        }
        return new CleanedFile(shape, cleaned, removed, rows.ToString(), animations);
    }

    private static Task<bool> Write(JobContext context, string output, string relative, byte[] bytes, CancellationToken cancellationToken) =>
        context.Store.WriteAsync(JobInputs.Join(output, relative), BinaryData.FromBytes(bytes), overwrite: false, cancellationToken);

    private static string Num(double v) => v.ToString("R", CultureInfo.InvariantCulture);

}
