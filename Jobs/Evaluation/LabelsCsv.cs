using System.Text;

namespace ScoreBatch.Jobs.Evaluation;

/// <summary>
/// labels.csv, the truth file `scorebatch evaluate` reads and `synth` / `inject` write: UTF-8, a header, one row per
/// cutout, RFC 4180 quoting. Columns: <c>id</c> (the cutout id as in summary.csv), <c>label</c> (1 = carries an
/// artifact, 0 = clean), <c>kind</c> (the artifact kind, e.g. ring or companion; "none" or empty for clean rows).
/// Further columns are allowed and ignored (inject adds <c>source</c>, the cutout the row was made from).
/// </summary>
public static class LabelsCsv
{
    public const string Header = "id,label,kind";

    /// <summary>The kind of a clean (label 0) row.</summary>
    public const string CleanKind = "none";

    /// <summary>Reads labels; errors name <paramref name="name"/> and the line. Ids must be unique.</summary>
    public static IReadOnlyList<DetectionLabel> Parse(string text, string name)
    {
        var table = CsvTable.Parse(text, name);
        int id = table.IndexOf("id"), label = table.IndexOf("label"), kind = table.IndexOf("kind");
        var labels = new List<DetectionLabel>(table.Rows.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int r = 0; r < table.Rows.Count; r++)
        {
            var row = table.Rows[r];
            string where = $"{name}: row {r + 1} (id '{row[id]}')";
            if (row[id].Length == 0) throw new InvalidDataException($"{name}: row {r + 1} has an empty id");
            if (!seen.Add(row[id])) throw new InvalidDataException($"{where}: the id appears twice");
            bool positive = row[label].Trim() switch
            {
                "1" => true,
                "0" => false,
                var other => throw new InvalidDataException($"{where}: label must be 0 (clean) or 1 (artifact), got '{other}'"),
            };
            string k = row[kind].Trim().ToLowerInvariant();
            if (positive && (k.Length == 0 || k == CleanKind))
                throw new InvalidDataException($"{where}: an artifact row (label 1) needs its kind (ring, companion, ...), got '{row[kind]}'");
            if (!positive && k.Length > 0 && k != CleanKind)
                throw new InvalidDataException($"{where}: a clean row (label 0) must have kind '{CleanKind}' or empty, got '{row[kind]}'");
            labels.Add(new DetectionLabel(row[id], positive, positive ? k : CleanKind));
        }
        return labels;
    }

    /// <summary>
    /// The file for <paramref name="labels"/>, with the header <see cref="Header"/> plus <paramref name="extraColumns"/>
    /// (one value per label each, e.g. the source cutout), "\n" line ends.
    /// </summary>
    public static string Format(IReadOnlyList<DetectionLabel> labels, IReadOnlyList<(string Name, IReadOnlyList<string> Values)>? extraColumns = null)
    {
        extraColumns ??= [];
        foreach (var (column, values) in extraColumns)
        {
            if (values.Count != labels.Count)
                throw new ArgumentException($"column '{column}' has {values.Count} values for {labels.Count} labels", nameof(extraColumns));
        }
        var text = new StringBuilder(Header);
        foreach (var (column, _) in extraColumns) text.Append(',').Append(Quote(column));
        text.Append('\n');
        for (int i = 0; i < labels.Count; i++)
        {
            var l = labels[i];
            text.Append(Quote(l.Id)).Append(',').Append(l.Positive ? '1' : '0').Append(',').Append(Quote(l.Kind));
            foreach (var (_, values) in extraColumns) text.Append(',').Append(Quote(values[i]));
            text.Append('\n');
        }
        return text.ToString();
    }

    internal static string Quote(string field) =>
        field.AsSpan().IndexOfAny(",\"\r\n") < 0 ? field : "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
