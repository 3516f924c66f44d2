using System.Globalization;

namespace ScoreBatch.Jobs.Evaluation;

/// <summary>
/// One bin of <see cref="EvaluationBins"/>: the labelled cutouts whose summary column Column lies in [Lower, Upper), and how the
/// bin reads in a report ("noise_sigma &lt; 0.03", "0.03 &lt;= noise_sigma &lt; 0.1", "noise_sigma &gt;= 0.1").
/// </summary>
public sealed record EvaluationBin(string Column, string Label, double Lower, double Upper, IReadOnlyList<DetectionLabel> Labels);

/// <summary>
/// `evaluate --bins COLUMN:E1,E2,...`: the same figures within bins of one summary.csv column, e.g. the cutout's
/// pixel noise (<c>noise_sigma</c>; for max-normalised cutouts the peak signal-to-noise is 1 / noise_sigma), so a
/// detector's completeness can be read against signal-to-noise or any other property of the cutouts. Each cutout
/// falls in the bin of its own value: edges E1 &lt; E2 &lt; ... make the bins (-inf, E1), [E1, E2), ..., [Ek, +inf).
/// </summary>
public static class EvaluationBins
{
    /// <summary>Parses "column:e1,e2,..." (at least one edge, finite and strictly increasing); errors name --bins.</summary>
    public static (string Column, double[] Edges) Parse(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        int colon = spec.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == spec.Length - 1)
            throw new ArgumentException($"--bins: expected COLUMN:EDGE[,EDGE...] (e.g. noise_sigma:0.033,0.1), got '{spec}'");
        string column = spec[..colon].Trim();
        var parts = spec[(colon + 1)..].Split(',', StringSplitOptions.TrimEntries);
        var edges = new double[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out edges[i]) || !double.IsFinite(edges[i]))
                throw new ArgumentException($"--bins: edge '{parts[i]}' is not a finite number (in '{spec}')");
            if (i > 0 && !(edges[i] > edges[i - 1]))
                throw new ArgumentException($"--bins: edges must increase, got {parts[i - 1]} then {parts[i]} (in '{spec}')");
        }
        return (column, edges);
    }

    /// <summary>
    /// The labelled cutouts in each bin of <paramref name="column"/> (every label has a summary row: the
    /// <see cref="DetectionEvaluator"/> checks that first). Throws naming the file, the cutout and the column when a
    /// value is not a finite number.
    /// </summary>
    public static IReadOnlyList<EvaluationBin> Split(CsvTable summary, IReadOnlyList<DetectionLabel> labels, string column, IReadOnlyList<double> edges)
    {
        ArgumentNullException.ThrowIfNull(summary);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(edges);
        if (edges.Count == 0) throw new ArgumentException("at least one bin edge is needed", nameof(edges));
        int idColumn = summary.IndexOf("id"), valueColumn = summary.IndexOf(column);
        var valueOf = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var row in summary.Rows) valueOf.TryAdd(row[idColumn], row[valueColumn]);
        var members = Enumerable.Range(0, edges.Count + 1).Select(_ => new List<DetectionLabel>()).ToArray();
        foreach (var label in labels)
        {
            if (!valueOf.TryGetValue(label.Id, out var text))
                throw new InvalidDataException($"{summary.Name}: labelled cutout '{label.Id}' has no row");
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
                throw new InvalidDataException($"{summary.Name}: cutout '{label.Id}': {column} is '{text}', not a finite number (--bins)");
            int bin = 0;
            while (bin < edges.Count && v >= edges[bin]) bin++;
            members[bin].Add(label);
        }
        var bins = new List<EvaluationBin>(members.Length);
        for (int b = 0; b < members.Length; b++)
        {
            double lower = b == 0 ? double.NegativeInfinity : edges[b - 1];
            double upper = b == edges.Count ? double.PositiveInfinity : edges[b];
            string text = b == 0 ? $"{column} < {F(upper)}"
                : b == edges.Count ? $"{column} >= {F(lower)}"
                : $"{F(lower)} <= {column} < {F(upper)}";
            bins.Add(new EvaluationBin(column, text, lower, upper, members[b]));
        }
        return bins;
    }

    private static string F(double v) => v.ToString("G6", CultureInfo.InvariantCulture);
}
