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
    /// TPR at 1 % and 5 % FPR (3 decimals; "n/a" where a group has no positives or no negatives). With a <c>title</c> (a
    /// bin's label, <see cref="EvaluationBins"/>) the header line starts with it and leaves out the unlabelled-rows
    /// note, which describes the whole summary.
    /// </summary>
    public static string FormatTable(DetectionEvaluator evaluator, IReadOnlyList<DetectionMetrics> metrics, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(evaluator);
        var text = new StringBuilder();
        var counts = evaluator.Counts;
        int clean = counts.GetValueOrDefault(LabelsCsv.CleanKind);
        var kinds = counts.Where(kv => kv.Key != LabelsCsv.CleanKind).Select(kv => $"{kv.Value} {kv.Key}");
        if (title is not null) text.Append(CultureInfo.InvariantCulture, $"{title}: ");
        text.Append(CultureInfo.InvariantCulture, $"{evaluator.Labelled} labelled cutouts: {string.Join(", ", kinds.Prepend($"{clean} clean"))}");
        if (evaluator.UnlabelledRows > 0 && title is null) text.Append(CultureInfo.InvariantCulture, $" ({evaluator.UnlabelledRows} summary rows without a label left out)");
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
    /// The false positives and misses of <see cref="DetectionEvaluator.Extremes"/>: one line per cutout (kind, id,
    /// value), clean cutouts first.
    /// </summary>
    public static string FormatExtremes(Extremes extremes)
    {
        ArgumentNullException.ThrowIfNull(extremes);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{extremes.Column}: the {extremes.HighestClean.Count} highest-scoring clean cutouts (false positives first)\n");
        foreach (var (id, v) in extremes.HighestClean) text.Append(CultureInfo.InvariantCulture, $"  none  {id}  {G(v)}\n");
        foreach (var (kind, rows) in extremes.LowestArtifacts)
        {
            text.Append(CultureInfo.InvariantCulture, $"{extremes.Column}: the {rows.Count} lowest-scoring {kind} cutouts (misses first)\n");
            foreach (var (id, v) in rows) text.Append(CultureInfo.InvariantCulture, $"  {kind}  {id}  {G(v)}\n");
        }
        return text.ToString();
    }

    /// <summary>
    /// {"labelled": n, "unlabelled_rows": n, "counts": {"none": n, "ring": n, ...}, "metrics": [{"column", "kind",
    /// "positives", "negatives", "auc", "tpr_at_fpr_1pct", "tpr_at_fpr_5pct"}, ...]}; NaN becomes null.
    /// With <c>bins</c> (`--bins`), each bin's figures follow as "bins": [{"column", "label", "lower", "upper" (null for
    /// an open end), "labelled", "counts", "metrics"}, ...]; with <c>extremes</c> (`--list`), "extremes": {"column",
    /// "highest_clean": [{"id", "value"}, ...], "lowest_artifacts": {"ring": [...], ...}}.
    /// </summary>
    public static string ToJson(DetectionEvaluator evaluator, IReadOnlyList<DetectionMetrics> metrics,
        IReadOnlyList<(EvaluationBin Bin, DetectionEvaluator Evaluator, IReadOnlyList<DetectionMetrics> Metrics)>? bins = null,
        Extremes? extremes = null)
    {
        ArgumentNullException.ThrowIfNull(evaluator);
        var root = new JsonObject
        {
            ["labelled"] = evaluator.Labelled,
            ["unlabelled_rows"] = evaluator.UnlabelledRows,
            ["counts"] = Counts(evaluator),
            ["metrics"] = Rows(metrics),
        };
        if (bins is not null)
        {
            var array = new JsonArray();
            foreach (var (bin, e, m) in bins)
            {
                array.Add(new JsonObject
                {
                    ["column"] = bin.Column,
                    ["label"] = bin.Label,
                    ["lower"] = J(bin.Lower),
                    ["upper"] = J(bin.Upper),
                    ["labelled"] = e.Labelled,
                    ["counts"] = Counts(e),
                    ["metrics"] = Rows(m),
                });
            }
            root["bins"] = array;
        }
        if (extremes is not null)
        {
            var lowest = new JsonObject();
            foreach (var (kind, rows) in extremes.LowestArtifacts) lowest[kind] = Cutouts(rows);
            root["extremes"] = new JsonObject
            {
                ["column"] = extremes.Column,
                ["highest_clean"] = Cutouts(extremes.HighestClean),
                ["lowest_artifacts"] = lowest,
            };
        }
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    private static JsonArray Cutouts(IReadOnlyList<(string Id, double Value)> rows)
    {
        var array = new JsonArray();
        foreach (var (id, v) in rows) array.Add(new JsonObject { ["id"] = id, ["value"] = J(v) });
        return array;
    }

    private static JsonObject Counts(DetectionEvaluator evaluator)
    {
        var counts = new JsonObject();
        foreach (var (kind, n) in evaluator.Counts) counts[kind] = n;
        return counts;
    }

    private static JsonArray Rows(IReadOnlyList<DetectionMetrics> metrics)
    {
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
        return rows;
    }

    private static JsonValue? J(double v) => double.IsFinite(v) ? JsonValue.Create(v) : null;

    private static string G(double v) => v.ToString("G6", CultureInfo.InvariantCulture);

    private static string F(double v) => double.IsFinite(v) ? v.ToString("0.000", CultureInfo.InvariantCulture) : "n/a";
}
