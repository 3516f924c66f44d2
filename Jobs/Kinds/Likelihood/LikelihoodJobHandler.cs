using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Jobs.Handlers;
using ScoreBatch.Jobs.Kinds.Score;
using ScoreBatch.Jobs.Likelihood;
using ScoreBatch.Jobs.Runtime;
using ScoreBatch.Storage.Formats;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Kinds.Likelihood;

/// <summary>
/// Runs "likelihood" jobs: for every cutout under "input" (the model's size), log p(x) by the probability-flow ODE
/// (<see cref="LikelihoodEstimator"/>), written to "&lt;output&gt;/likelihood.csv" (<see cref="LikelihoodCsv"/>), in file
/// and cutout order. Files are read one at a time, so memory holds one file whatever their number. Probes are fixed
/// by each cutout's id, so a redelivery computes the same values (overwrite: false keeps an earlier attempt's file).
/// The runner writes status.json and _SUCCESS.
/// </summary>
public sealed class LikelihoodJobHandler : IJobHandler
{
    public string Kind => LikelihoodJobArgs.Kind;

    public void Validate(JobRequest request) => LikelihoodJobArgs.From(request);

    /// <summary>Starts loading libtorch while the runner writes the job's status (see <see cref="TorchPreload"/>).</summary>
    public void Prepare(JobRequest request) => TorchPreload.Start();

    public async Task<JobOutcome> RunAsync(JobContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var args = LikelihoodJobArgs.From(context.Request);
        var device = JobResources.ResolveDevice(args.Device ?? context.Device);
        using var model = await ScoreJobHandler.LoadModelAsync(context.Store, args.Model, device, cancellationToken).ConfigureAwait(false);
        var files = await JobInputs.ListCutoutFilesAsync(context.Store, args.Input, args.Output, cancellationToken).ConfigureAwait(false);
        var rows = new List<CutoutLikelihood>();
        for (var f = 0; f < files.Count; f++)
        {
            var cutouts = await JobInputs.ReadAllCutoutsAsync(context, [files[f]], null, cancellationToken).ConfigureAwait(false);
            for (var start = 0; start < cutouts.Count; start += args.Batch)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var batch = cutouts.GetRange(start, Math.Min(args.Batch, cutouts.Count - start));
                using var scope = NewDisposeScope();
                var x = PriorCutouts.ToTensor(batch, model.ImageSize, device, files[f].Path);
                if (x.min().item<float>() <= model.Transform.DomainMin)
                    throw new JobValidationException(files[f].Path, $"a cutout has pixels at or below {model.Transform.DomainMin}, outside the model's transform {model.Transform.Spec}");
                rows.AddRange(LikelihoodEstimator.Estimate(model.Process, model.Score, model.Transform, x, [.. batch.Select(c => c.Id)], args.Likelihood, cancellationToken));
                context.Progress.Report(new JobProgress(rows.Count, rows.Count + (cutouts.Count - start - batch.Count), "cutouts",
                    $"{f} of {files.Count} files done; log-likelihoods of {rows.Count} cutouts"));
            }
        }
        var path = JobInputs.Join(args.Output, LikelihoodCsv.FileName);
        await context.Store.WriteAsync(path, BinaryData.FromBytes(LikelihoodCsv.ToBytes(rows)), overwrite: false, cancellationToken).ConfigureAwait(false);
        return JobOutcome.Completed;
    }
}
