namespace ScoreBatch.Jobs.Evaluation;

/// <summary>How well one summary column separates one group of artifacts from the clean cutouts.</summary>
/// <param name="Column">The summary.csv column used as the score (higher = more anomalous).</param>
/// <param name="Group">An artifact kind (its positives against all clean cutouts) or <see cref="DetectionEvaluator.AllKinds"/>.</param>
/// <param name="Positives">Artifact cutouts in the group.</param>
/// <param name="Negatives">Clean cutouts (the same for every group).</param>
/// <param name="Auc">ROC AUC, ties counting 1/2 (<see cref="RocCurve.Auc"/>); NaN without positives or negatives.</param>
/// <param name="TprAt1">True-positive rate at 1 % false-positive rate (<see cref="RocCurve.TprAtFpr"/>).</param>
/// <param name="TprAt5">True-positive rate at 5 % false-positive rate.</param>
public sealed record DetectionMetrics(string Column, string Group, int Positives, int Negatives, double Auc, double TprAt1, double TprAt5);
