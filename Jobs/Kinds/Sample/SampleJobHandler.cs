using System.Text.Json;
using System.Text.Json.Nodes;
using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Jobs.Handlers;
using ScoreBatch.Jobs.Kinds.Score;
using ScoreBatch.Jobs.Previews;
using ScoreBatch.Jobs.Runtime;
using ScoreBatch.Jobs.Sampling;
using ScoreBatch.Storage.Formats;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Kinds.Sample;

/// <summary>
/// Runs "sample" jobs: draws params.count images from the prior named by "model" with the chosen sampler (one seeded
/// generator, batches in order, so a seed reproduces the bytes on one device) and writes "&lt;output&gt;/samples.npy"
/// ([N x H x W] float32 in data space: the inverse transform applied, clipped to [0, 1] unless params.clip is false),
/// "&lt;output&gt;/grid.png", "&lt;output&gt;/mean.npy" (mean sample image) and "&lt;output&gt;/summary.json" (sampler cost
/// and statistics; compared with the training data under "input" when given). The runner writes status.json and _SUCCESS.
/// </summary>
public sealed class SampleJobHandler : JobHandler<SampleJobArgs>
{
    public const string SamplesFile = "samples.npy";
    public const string MeanFile = "mean.npy";
    public const string SummaryFile = "summary.json";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public override string Kind => SampleJobArgs.Kind;

    protected override SampleJobArgs Parse(JobRequest request, JobParamLimits limits) => SampleJobArgs.From(request, limits);

    /// <summary>Starts loading libtorch while the runner writes the job's status (see <see cref="TorchPreload"/>).</summary>
    public override void Prepare(JobRequest request) => TorchPreload.Start();

    protected override async Task<JobOutcome> ExecuteAsync(JobContext context, SampleJobArgs args, CancellationToken cancellationToken)
    {
        var device = JobResources.ResolveDevice(args.Device ?? context.Device);
        using var model = await ScoreJobHandler.LoadModelAsync(context.Store, args.Model, device, cancellationToken).ConfigureAwait(false);
        var size = model.ImageSize;
        // The training data are read (and checked) before the long part, so a bad input fails fast.
        List<Cutout>? training = null;
        if (args.Input is not null)
        {
            var files = await JobInputs.ListCutoutFilesAsync(context.Store, args.Input, args.Output, cancellationToken).ConfigureAwait(false);
            training = await JobInputs.ReadAllCutoutsAsync(context, files, null, cancellationToken).ConfigureAwait(false);
            if (training.FirstOrDefault(c => c.Height != size || c.Width != size) is { } odd)
                throw new JobValidationException("input", $"cutout '{odd.Id}' is {odd.Height}x{odd.Width}; comparing with samples needs the model's size {size}x{size}");
        }

        var images = new List<float[]>(args.Count);
        int steps = 0, rejected = 0, evaluations = 0;
        using (var generator = new Generator((ulong)args.Seed)) // on the CPU: see Sampler
        {
            for (var start = 0; start < args.Count; start += args.Batch)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var n = Math.Min(args.Batch, args.Count - start);
                using var scope = NewDisposeScope();
                var result = Sampler.Sample(model.Process, model.Score, [n, 1, size, size], args.Sampler, generator, ScalarType.Float32, device, cancellationToken);
                var x = model.Transform.Inverse(result.Y);
                if (args.Clip) x = x.clamp(TorchScalars.Zero, TorchScalars.One);
                var data = x.contiguous().cpu().data<float>().ToArray();
                for (var i = 0; i < n; i++) images.Add(data[(i * size * size)..((i + 1) * size * size)]);
                steps += result.Steps;
                rejected += result.RejectedSteps;
                evaluations += result.Evaluations;
                context.Progress.Report(new JobProgress(start + n, args.Count, "samples", $"{start + n} of {args.Count} samples drawn ({SamplerOptions.KindNames[(int)args.Sampler.Kind]})"));
            }
        }

        var stats = ImageStatistics.Of(images, size, size);
        var summary = new JsonObject
        {
            ["sampler"] = SamplerOptions.KindNames[(int)args.Sampler.Kind],
            ["seed"] = args.Seed,
            ["count"] = args.Count,
            ["batches"] = (args.Count + args.Batch - 1) / args.Batch,
            ["steps"] = steps,
            ["rejected_steps"] = rejected,
            ["nfe"] = evaluations,
            ["clip"] = args.Clip,
            ["samples"] = stats.ToJson(),
        };
        if (training is not null)
        {
            var reference = ImageStatistics.Of([.. training.Select(c => c.Pixels)], size, size);
            summary["training"] = reference.ToJson();
            summary["comparison"] = ImageStatistics.Compare(stats, reference);
        }

        var all = images.SelectMany(i => i).ToArray();
        await WriteAsync(context, args.Output, SamplesFile, Npy.ToBytes(all, [args.Count, size, size]), cancellationToken).ConfigureAwait(false);
        await WriteAsync(context, args.Output, MeanFile, Npy.ToBytes(stats.MeanImage, [size, size]), cancellationToken).ConfigureAwait(false);
        await WriteAsync(context, args.Output, SampleGrid.FileName, SampleGrid.Render(images, size, size), cancellationToken).ConfigureAwait(false);
        var json = JsonSerializer.SerializeToUtf8Bytes(summary, Indented);
        await WriteAsync(context, args.Output, SummaryFile, json, cancellationToken).ConfigureAwait(false);
        return JobOutcome.Completed;
    }

    /// <summary>A conditional write (overwrite: false): a redelivered job keeps an earlier attempt's bytes, which a seeded run reproduces.</summary>
    private static Task<bool> WriteAsync(JobContext context, string output, string name, byte[] bytes, CancellationToken cancellationToken) =>
        context.Store.WriteAsync(JobInputs.Join(output, name), BinaryData.FromBytes(bytes), overwrite: false, cancellationToken);
}
