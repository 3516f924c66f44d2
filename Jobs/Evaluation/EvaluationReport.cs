using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ScoreBatch.Jobs.Evaluation;

/// <summary>The evaluation as a table a person reads or as JSON for machines.</summary>
public static class EvaluationReport
{
    /// <summary>
    /// A header line (how many cutouts of which kind) and an aligned table: column, kind, positives, negatives, AUC,
    /// TPR at 1 % and 5 % FPR (3 decimals; "n/a" where a group has no positives or no negatives).
    /// </summary>
    public static string FormatTable(DetectionEvaluator evaluator, IReadOnlyList<DetectionMetrics> metrics)
    {
        ArgumentNullException.ThrowIfNull(evaluator);
        var text = new StringBuilder();
        var counts = evaluator.Counts;
        int clean = counts.GetValueOrDefault(LabelsCsv.CleanKind);
        var kinds = counts.Where(kv => kv.Key != LabelsCsv.CleanKind).Select(kv => $"{kv.Value} {kv.Key}");
        text.Append(CultureInfo.InvariantCulture, $"{evaluator.Labelled} labelled cutouts: {clean} clean, {string.Join(", ", kinds)}");
        if (evaluator.UnlabelledRows > 0) text.Append(CultureInfo.InvariantCulture, $" ({evaluator.UnlabelledRows} summary rows without a label left out)");
        text.Append('\n');
        int cw = Math.Max("column".Length, metrics.Select(m => m.Column.Length).DefaultIfEmpty(0).Max());
        int gw = Math.Max("kind".Length, metrics.Select(m => m.Group.Length).DefaultIfEmpty(0).Max());
        text.Append(CultureInfo.InvariantCulture, $"{"column".PadRight(cw)}  {"kind".PadRight(gw)}  {"pos",5}  {"neg",5}  {"AUC",6}  {"TPR@1%FPR",9}  {"TPR@5%FPR",9}\n");
        string? last = null;
        foreach (var m in metrics)
        {
            string column = m.Column == last ? "" : m.Column;
            last = m.Column;
            text.Append(CultureInfo.InvariantCulture,
                $"{column.PadRight(cw)}  {m.Group.PadRight(gw)}  {m.Positives,5}  {m.Negatives,5}  {F(m.Auc),6}  {F(m.TprAt1),9}  {F(m.TprAt5),9}\n");
        }
        return text.ToString();
    }

    /// <summary>
    /// {"labelled": n, "unlabelled_rows": n, "counts": {"none": n, "ring": n, ...}, "metrics": [{"column", "kind",
    /// "positives", "negatives", "auc", "tpr_at_fpr_1pct", "tpr_at_fpr_5pct"}, ...]}; NaN becomes null.
    /// </summary>
    public static string ToJson(DetectionEvaluator evaluator, IReadOnlyList<DetectionMetrics> metrics)
    {
        ArgumentNullException.ThrowIfNull(evaluator);
        var counts = new JsonObject();
        foreach (var (kind, n) in evaluator.Counts) counts[kind] = n;
        var rows = new JsonArray();
        foreach (var m in metrics)
        {
            rows.Add(new JsonObject
            {
                ["column"] = m.Column,
                ["kind"] = m.Group,
                ["positives"] = m.Positives,
                ["negatives"] = m.Negatives,
                ["auc"] = J(m.Auc),
                ["tpr_at_fpr_1pct"] = J(m.TprAt1),
                ["tpr_at_fpr_5pct"] = J(m.TprAt5),
            });
        }
        var root = new JsonObject
        {
            ["labelled"] = evaluator.Labelled,
            ["unlabelled_rows"] = evaluator.UnlabelledRows,
            ["counts"] = counts,
            ["metrics"] = rows,
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private static JsonValue? J(double v) => double.IsFinite(v) ? JsonValue.Create(v) : null;

    private static string F(double v) => double.IsFinite(v) ? v.ToString("0.000", CultureInfo.InvariantCulture) : "n/a";
}
