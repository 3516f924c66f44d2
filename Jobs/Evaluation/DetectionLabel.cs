namespace ScoreBatch.Jobs.Evaluation;

/// <summary>
/// The truth for one cutout: is it an artifact (positive) or clean (negative), and which kind of artifact.
/// </summary>
/// <param name="Id">Cutout id exactly as summary.csv's <c>id</c> column gives it ("galaxy-000003.npy", "ring/a.npy", "stack.npy#7").</param>
/// <param name="Positive">True when the cutout carries an artifact (label 1).</param>
/// <param name="Kind">Artifact kind ("ring", "companion", ...); <see cref="LabelsCsv.CleanKind"/> for clean cutouts.</param>
public sealed record DetectionLabel(string Id, bool Positive, string Kind);
