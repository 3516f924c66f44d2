using ScoreBatch.Jobs.Anomaly;
using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Jobs.Handlers;
using ScoreBatch.Jobs.Kinds.Score;
using ScoreBatch.Jobs.Runtime;
using ScoreBatch.Jobs.Scoring;

namespace ScoreBatch.Jobs.Kinds.Calibrate;

/// <summary>
/// Runs "calibrate" jobs: scores the clean reference cutouts under "input" with the model's multiscale score features
/// (and their 8 rotations and reflections) and writes "&lt;output&gt;/calibration.json" (<see cref="AnomalyCalibration"/>),
/// which a score job names in params.calibration to get anomaly, p_value and anomalous columns. Deterministic, so a
/// redelivery writes the same bytes (overwrite: false keeps an earlier attempt's). The runner writes status.json and
/// _SUCCESS.
/// </summary>
public sealed class CalibrateJobHandler : JobHandler<CalibrateJobArgs>
{
    public override string Kind => CalibrateJobArgs.Kind;

    protected override CalibrateJobArgs Parse(JobRequest request, JobParamLimits limits) => CalibrateJobArgs.From(request);

    /// <summary>Starts loading libtorch while the runner writes the job's status (see <see cref="TorchPreload"/>).</summary>
    public override void Prepare(JobRequest request) => TorchPreload.Start();

    protected override async Task<JobOutcome> ExecuteAsync(JobContext context, CalibrateJobArgs args, CancellationToken cancellationToken)
    {
        var device = JobResources.ResolveDevice(args.Device ?? context.Device);
        using var model = await ScoreJobHandler.LoadModelAsync(context.Store, args.Model, device, cancellationToken).ConfigureAwait(false);
        ScoreJobHandler.UseRuntime(model, args.Runtime, args.Model);
        var files = await JobInputs.ListCutoutFilesAsync(context.Store, args.Input, args.Output, cancellationToken).ConfigureAwait(false);
        var references = await JobInputs.ReadAllCutoutsAsync(context, files, null, cancellationToken).ConfigureAwait(false);
        var copies = args.Settings.Augment ? 8 : 1;
        var progress = new Progress<(int Done, int Total)>(p =>
            context.Progress.Report(new JobProgress(p.Done, p.Total, "cutouts", $"scored {p.Done} of {p.Total} reference cutouts ({references.Count} x {copies} orientations)")));
        AnomalyCalibration calibration;
        try
        {
            calibration = ReferenceCalibration.Run(model, references, args.Settings, args.Model, progress, cancellationToken);
        }
        catch (ArgumentException e)
        {
            throw new JobValidationException("input", e.Message);
        }
        catch (Scoring.CutoutScoringException e)
        {
            throw new JobValidationException("input", e.Message);
        }
        var names = calibration.Features.Names();
        var trend = calibration.Trend is { } t ? $", means following {string.Join(" and ", t.Covariates.Select(j => names[j]))}" : "";
        var median = Anomaly.Calibrator.Quantile(calibration.References, 0.5);
        CalibrateJobLog.Fitted(context.Logger, calibration.Statistic, calibration.ReferenceCutouts, calibration.Augmentation, trend,
            calibration.Threshold, calibration.FalsePositiveRate, median);
        var path = JobInputs.Join(args.Output, CalibrateJobArgs.FileName);
        await context.Store.WriteAsync(path, BinaryData.FromBytes(calibration.ToJson()), overwrite: false, cancellationToken).ConfigureAwait(false);
        return JobOutcome.Completed;
    }
}
