using ScoreBatch.Jobs.Interop;
using ScoreBatch.Jobs.Previews;
using ScoreBatch.Jobs.Training;
using ScoreBatch.Jobs.Transforms;
using ScoreBatch.Storage.Abstractions;

namespace ScoreBatch.Jobs.Kinds.Train;

/// <summary>Writes a training job's checkpoints, pointer, loss log, loss plot and final model to the store.</summary>
internal sealed class TrainingOutputWriter(IArtifactStore store, TrainingRunPaths run, IDataTransform transform, TimeProvider time)
{
    /// <summary>
    /// Numbered checkpoint (kept if an earlier attempt wrote it), then loss.csv and loss.png, then latest.json last,
    /// so the pointer never names a checkpoint that is not there and the curve always covers the pointer's step.
    /// </summary>
    public async Task WriteCheckpointAsync(Trainer trainer, LossHistory history, CancellationToken cancellationToken)
    {
        var checkpoint = Checkpoint.Capture(trainer, transform, time);
        using (var buffer = new MemoryStream())
        {
            checkpoint.Save(buffer);
            await store.WriteAsync(run.Checkpoint(trainer.Step), BinaryData.FromBytes(buffer.ToArray()), overwrite: false, cancellationToken).ConfigureAwait(false);
        }
        await WriteLossAsync(history, cancellationToken).ConfigureAwait(false);
        var pointer = new CheckpointPointer(CheckpointPointer.FileName(trainer.Step), trainer.Step, time.GetUtcNow());
        await store.WriteAsync(run.Latest, BinaryData.FromString(pointer.ToJson()), overwrite: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// model.ckpt (weights, options, transform; no optimiser state) and, on request, model.eqx. The weights are the
    /// run's moving average when it keeps one (<see cref="Checkpoint.FinalModel"/>), else the trained ones.
    /// </summary>
    public async Task WriteFinalModelAsync(Trainer trainer, bool exportEqx, CancellationToken cancellationToken)
    {
        var final = Checkpoint.FinalModel(trainer, transform, time);
        using (var buffer = new MemoryStream())
        {
            final.Save(buffer);
            await store.WriteAsync(run.Model, BinaryData.FromBytes(buffer.ToArray()), overwrite: false, cancellationToken).ConfigureAwait(false);
        }
        if (!exportEqx) return;
        using var eqx = new MemoryStream();
        ModelInterchange.Export(final, ExportFormat.Eqx, eqx);
        await store.WriteAsync(run.ModelEqx, BinaryData.FromBytes(eqx.ToArray()), overwrite: false, cancellationToken).ConfigureAwait(false);
    }

    private async Task WriteLossAsync(LossHistory history, CancellationToken cancellationToken)
    {
        await store.WriteAsync(run.LossCsv, BinaryData.FromString(history.ToCsv()), overwrite: true, cancellationToken).ConfigureAwait(false);
        if (history.Losses.Any(l => double.IsFinite(l) && l > 0))
        {
            var png = LossCurve.Render(history.Steps, history.Losses, "training loss");
            await store.WriteAsync(run.LossPng, BinaryData.FromBytes(png), overwrite: true, cancellationToken).ConfigureAwait(false);
        }
    }
}
