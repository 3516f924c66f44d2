using System.Globalization;

namespace ScoreBatch.Jobs.Evaluation;

/// <summary>
/// Joins a scoring job's summary.csv with a labels file by cutout id and measures, for every score column present,
/// how well it ranks artifacts above clean cutouts: per artifact kind (that kind's positives against all clean
/// negatives) and over all kinds together. Summary rows without a label are left out (and counted); a label whose
/// id has no summary row is an error (the labels belong to another run).
/// </summary>
public sealed class DetectionEvaluator
{
    /// <summary>Group name of all artifact kinds together.</summary>
    public const string AllKinds = "all";

    /// <summary>
    /// summary.csv columns evaluated by default, when present, in this order: the calibrated <c>anomaly</c>, the score
    /// map summaries, then the no-model baselines. Each is "higher = more anomalous".
    /// </summary>
    public static IReadOnlyList<string> ScoreColumns { get; } = ["anomaly", "max_abs_score", "mean_abs_score", "flux_outside", "peaks"];

    /// <summary>
    /// Columns where a lower value is more anomalous (the calibration's <c>p_value</c>): evaluated on their negation,
    /// so every figure reads "higher AUC = better detector".
    /// </summary>
    public static IReadOnlyList<string> LowerIsAnomalous { get; } = ["p_value"];

    /// <summary>The no-model baselines among <see cref="ScoreColumns"/> (computed from the input pixels).</summary>
    public static IReadOnlyList<string> BaselineColumns { get; } = ["flux_outside", "peaks"];

    private readonly Dictionary<string, double[]> _scores = new(StringComparer.Ordinal);
    private readonly DetectionLabel[] _labels;

    /// <param name="summary">summary.csv (needs an <c>id</c> column and the score columns).</param>
    /// <param name="labels">The truth (see <see cref="LabelsCsv"/>).</param>
    /// <param name="columns">Score columns to evaluate; null = every column of <see cref="ScoreColumns"/> that the summary has.</param>
    public DetectionEvaluator(CsvTable summary, IReadOnlyList<DetectionLabel> labels, IReadOnlyList<string>? columns = null)
    {
        ArgumentNullException.ThrowIfNull(summary);
        ArgumentNullException.ThrowIfNull(labels);
        Columns = columns is null ? [.. ScoreColumns.Where(summary.Has)] : [.. columns];
        if (Columns.Count == 0)
            throw new InvalidDataException($"{summary.Name}: none of the score columns {string.Join(", ", ScoreColumns)} is present (it has {string.Join(", ", summary.Header)})");
        int idColumn = summary.IndexOf("id");
        var indices = Columns.Select(summary.IndexOf).ToArray();
        var rowOf = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int r = 0; r < summary.Rows.Count; r++)
        {
            if (!rowOf.TryAdd(summary.Rows[r][idColumn], r))
                throw new InvalidDataException($"{summary.Name}: cutout id '{summary.Rows[r][idColumn]}' appears twice");
        }
        var missing = labels.Where(l => !rowOf.ContainsKey(l.Id)).ToArray();
        if (missing.Length > 0)
            throw new InvalidDataException($"{missing.Length} of {labels.Count} labelled ids have no row in {summary.Name} (first: '{missing[0].Id}'); "
                + "score the folder the labels were written for, with --input at that folder, so the ids match");
        _labels = [.. labels];
        UnlabelledRows = summary.Rows.Count - labels.Count;
        for (int c = 0; c < Columns.Count; c++)
        {
            var values = new double[_labels.Length];
            for (int i = 0; i < _labels.Length; i++)
            {
                string text = summary.Rows[rowOf[_labels[i].Id]][indices[c]];
                if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !double.IsFinite(values[i]))
                    throw new InvalidDataException($"{summary.Name}: cutout '{_labels[i].Id}': {Columns[c]} is '{text}', not a finite number");
            }
            if (LowerIsAnomalous.Contains(Columns[c]))
            {
                for (int i = 0; i < values.Length; i++) values[i] = -values[i];
            }
            _scores[Columns[c]] = values;
        }
        Groups = [AllKinds, .. _labels.Where(l => l.Positive).Select(l => l.Kind).Distinct().Order(StringComparer.Ordinal)];
    }

    public IReadOnlyList<string> Columns { get; }

    /// <summary><see cref="AllKinds"/>, then the artifact kinds in the labels, alphabetically.</summary>
    public IReadOnlyList<string> Groups { get; }

    /// <summary>Labelled cutouts (all found in the summary).</summary>
    public int Labelled => _labels.Length;

    /// <summary>Summary rows that no label names (left out of every figure).</summary>
    public int UnlabelledRows { get; }

    /// <summary>Clean cutouts and, per kind, artifact cutouts.</summary>
    public IReadOnlyDictionary<string, int> Counts =>
        _labels.GroupBy(l => l.Kind).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

    /// <summary>The preferred single detector score of a summary: <c>anomaly</c> when present, else <c>max_abs_score</c>.</summary>
    public static string PreferredColumn(CsvTable summary) => summary.Has("anomaly") ? "anomaly" : "max_abs_score";

    /// <summary>(positives of <paramref name="group"/>, all negatives) scored by <paramref name="column"/>.</summary>
    public (double[] Positives, double[] Negatives) Split(string column, string group)
    {
        if (!_scores.TryGetValue(column, out var values)) throw new ArgumentException($"column '{column}' is not evaluated (evaluated: {string.Join(", ", Columns)})", nameof(column));
        if (!Groups.Contains(group)) throw new ArgumentException($"no artifact kind '{group}' in the labels (kinds: {string.Join(", ", Groups)})", nameof(group));
        var pos = new List<double>();
        var neg = new List<double>();
        for (int i = 0; i < _labels.Length; i++)
        {
            if (!_labels[i].Positive) neg.Add(values[i]);
            else if (group == AllKinds || _labels[i].Kind == group) pos.Add(values[i]);
        }
        return ([.. pos], [.. neg]);
    }

    /// <summary>
    /// What an astronomer looks at first: the <paramref name="count"/> clean cutouts that <paramref name="column"/> ranks
    /// highest (the false positives, most anomalous first) and, per artifact kind, the <paramref name="count"/> artifacts
    /// it ranks lowest (the misses, least anomalous first), each with the column's value as summary.csv gives it.
    /// </summary>
    public Extremes Extremes(string column, int count)
    {
        if (!_scores.TryGetValue(column, out var values)) throw new ArgumentException($"column '{column}' is not evaluated (evaluated: {string.Join(", ", Columns)})", nameof(column));
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        double sign = LowerIsAnomalous.Contains(column) ? -1 : 1;
        var order = Enumerable.Range(0, _labels.Length).ToArray();
        (string, double) Entry(int i) => (_labels[i].Id, sign * values[i]);
        var clean = order.Where(i => !_labels[i].Positive).OrderByDescending(i => values[i]).ThenBy(i => i).Take(count).Select(Entry).ToArray();
        var misses = new SortedDictionary<string, IReadOnlyList<(string Id, double Value)>>(StringComparer.Ordinal);
        foreach (var kind in Groups.Where(g => g != AllKinds))
            misses[kind] = order.Where(i => _labels[i].Positive && _labels[i].Kind == kind).OrderBy(i => values[i]).ThenBy(i => i).Take(count).Select(Entry).ToArray();
        return new Extremes(column, clean, misses);
    }

    /// <summary>One row per (column, group), columns in order, groups as <see cref="Groups"/>.</summary>
    public IReadOnlyList<DetectionMetrics> Evaluate()
    {
        var rows = new List<DetectionMetrics>();
        foreach (var column in Columns)
        {
            foreach (var group in Groups)
            {
                var (pos, neg) = Split(column, group);
                rows.Add(new DetectionMetrics(column, group, pos.Length, neg.Length, RocCurve.Auc(pos, neg),
                    RocCurve.TprAtFpr(pos, neg, 0.01), RocCurve.TprAtFpr(pos, neg, 0.05)));
            }
        }
        return rows;
    }
}

/// <summary>See <see cref="DetectionEvaluator.Extremes"/>.</summary>
public sealed record Extremes(string Column, IReadOnlyList<(string Id, double Value)> HighestClean,
    IReadOnlyDictionary<string, IReadOnlyList<(string Id, double Value)>> LowestArtifacts);
