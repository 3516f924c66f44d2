using ScoreBatch.Jobs.Training;

namespace ScoreBatch.Jobs.Kinds.Train;

/// <summary>The deterministic output names of a training job under its output prefix.</summary>
public sealed class TrainingRunPaths(string output)
{
    public string Output { get; } = output.TrimEnd('/');

    /// <summary>checkpoints/latest.json: names the newest numbered checkpoint.</summary>
    public string Latest => $"{Output}/{CheckpointPointer.Folder}/{CheckpointPointer.LatestFile}";

    /// <summary>checkpoints/ckpt-STEP.ckpt.</summary>
    public string Checkpoint(long step) => $"{Output}/{CheckpointPointer.Folder}/{CheckpointPointer.FileName(step)}";

    /// <summary>The final model (no optimiser state).</summary>
    public string Model => $"{Output}/model.ckpt";

    /// <summary>The final model as galaxygrad/equinox leaves.</summary>
    public string ModelEqx => $"{Output}/model.eqx";

    public string LossCsv => $"{Output}/loss.csv";

    public string LossPng => $"{Output}/loss.png";
}
