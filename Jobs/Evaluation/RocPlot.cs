using System.Globalization;
using ScottPlot;
using SkiaSharp;

namespace ScoreBatch.Jobs.Evaluation;

/// <summary>
/// ROC curves as one PNG: a panel per group (all kinds, then each kind), one line per score column with its AUC in
/// the legend, the chance diagonal dashed, and the 1 % and 5 % false-positive rates marked. With bins (`evaluate
/// --bins`), one row of panels per bin follows the pooled row, each titled with its bin.
/// </summary>
public static class RocPlot
{
    /// <summary>Side of one square panel in pixels.</summary>
    public const int PanelSize = 420;

    /// <summary>The pooled curves of <paramref name="evaluator"/>, then a row per entry of <paramref name="bins"/>
    /// (its label, e.g. "0.0333 &lt;= noise_sigma &lt; 0.0667", and an evaluator of that bin's cutouts).</summary>
    public static byte[] Render(DetectionEvaluator evaluator, IReadOnlyList<(string Label, DetectionEvaluator Evaluator)>? bins = null)
    {
        ArgumentNullException.ThrowIfNull(evaluator);
        var rows = new List<byte[][]> { evaluator.Groups.Select(g => Panel(evaluator, g, null)).ToArray() };
        foreach (var (label, e) in bins ?? []) rows.Add(e.Groups.Select(g => Panel(e, g, label)).ToArray());
        using var surface = SKSurface.Create(new SKImageInfo(PanelSize * rows.Max(r => r.Length), PanelSize * rows.Count));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        for (int row = 0; row < rows.Count; row++)
            for (int i = 0; i < rows[row].Length; i++)
            {
                using var bitmap = SKBitmap.Decode(rows[row][i]);
                canvas.DrawBitmap(bitmap, i * PanelSize, row * PanelSize);
            }
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    private static byte[] Panel(DetectionEvaluator evaluator, string group, string? bin)
    {
        var plot = new Plot();
        var chance = plot.Add.Line(0, 0, 1, 1);
        chance.LineColor = Colors.Gray;
        chance.LinePattern = LinePattern.Dashed;
        foreach (var fpr in new[] { 0.01, 0.05 })
        {
            var mark = plot.Add.VerticalLine(fpr);
            mark.LineColor = Colors.LightGray;
            mark.LinePattern = LinePattern.Dotted;
        }
        int positives = 0, negatives = 0;
        foreach (var column in evaluator.Columns)
        {
            var (pos, neg) = evaluator.Split(column, group);
            positives = pos.Length;
            negatives = neg.Length;
            var points = RocCurve.Points(pos, neg);
            if (points.Count == 0) continue;
            var line = plot.Add.ScatterLine(points.Select(p => p.Fpr).ToArray(), points.Select(p => p.Tpr).ToArray());
            line.MarkerSize = 0;
            line.LineWidth = 2;
            line.LegendText = $"{column} (AUC {RocCurve.Auc(pos, neg).ToString("0.000", CultureInfo.InvariantCulture)})";
        }
        plot.ShowLegend(Alignment.LowerRight);
        plot.Axes.SetLimits(0, 1, 0, 1.02);
        var title = group == DetectionEvaluator.AllKinds
            ? $"all artifacts ({positives}) vs clean ({negatives})"
            : $"{group} ({positives}) vs clean ({negatives})";
        plot.Title(bin is null ? title : $"{title}\n{bin}");
        plot.XLabel("false-positive rate");
        plot.YLabel("true-positive rate");
        return plot.GetImageBytes(PanelSize, PanelSize, ImageFormat.Png);
    }
}
