using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Jobs.Handlers;
using ScoreBatch.Jobs.Kinds.Score;
using ScoreBatch.Jobs.Likelihood;
using ScoreBatch.Jobs.Runtime;

namespace ScoreBatch.Jobs.Kinds.Likelihood;

/// <summary>
/// Runs "likelihood" jobs: for every cutout under "input" (the model's size), log p(x) by the probability-flow ODE
/// (<see cref="LikelihoodEstimator"/>), written to "&lt;output&gt;/likelihood.csv" (<see cref="LikelihoodCsv"/>) in file and
/// cutout order, through the shared bounded <see cref="CutoutPipeline{TResult}"/>, so memory holds a few files whatever
/// their number. Probes are fixed by each cutout's id, so a redelivery computes the same values (overwrite: false keeps
/// an earlier attempt's file). The runner writes status.json and _SUCCESS.
/// </summary>
public sealed class LikelihoodJobHandler(CutoutPipelineOptions? options = null) : JobHandler<LikelihoodJobArgs>
{
    private readonly CutoutPipelineOptions _options = (options ?? new CutoutPipelineOptions()).Validate();

    public override string Kind => LikelihoodJobArgs.Kind;

    protected override LikelihoodJobArgs Parse(JobRequest request, JobParamLimits limits) => LikelihoodJobArgs.From(request);

    /// <summary>Starts loading libtorch while the runner writes the job's status (see <see cref="TorchPreload"/>).</summary>
    public override void Prepare(JobRequest request) => TorchPreload.Start();

    protected override async Task<JobOutcome> ExecuteAsync(JobContext context, LikelihoodJobArgs args, CancellationToken cancellationToken)
    {
        var device = JobResources.ResolveDevice(args.Device ?? context.Device);
        using var model = await ScoreJobHandler.LoadModelAsync(context.Store, args.Model, device, cancellationToken).ConfigureAwait(false);
        var files = await JobInputs.ListCutoutFilesAsync(context.Store, args.Input, args.Output, cancellationToken).ConfigureAwait(false);
        var rows = new List<CutoutLikelihood>();
        var pipeline = new CutoutPipeline<CutoutLikelihood[]>(context, files, _options)
        {
            Compute = (batch, ct) => LikelihoodBatches.Compute(model, batch, args.Batch, args.Likelihood, ct),
            Upload = (_, _, _) => Task.CompletedTask,
            Record = (_, result) => rows.AddRange(result),
            CutoutsPerPass = Math.Max(args.Batch, 64),
            ProgressMessage = (done, total) => $"log-likelihoods of {done} of {total} files",
        };
        await pipeline.RunAsync(cancellationToken).ConfigureAwait(false);
        var path = JobInputs.Join(args.Output, LikelihoodCsv.FileName);
        await context.Store.WriteAsync(path, BinaryData.FromBytes(LikelihoodCsv.ToBytes(rows)), overwrite: false, cancellationToken).ConfigureAwait(false);
        return JobOutcome.Completed;
    }
}
