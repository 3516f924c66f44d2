using System.Globalization;
using System.Text;

namespace ScoreBatch.Jobs.Scoring;

/// <summary>One data line of a CSV file as written (no line end) and its fields, unquoted.</summary>
public sealed record CsvLine(string Text, IReadOnlyList<string> Fields);

/// <summary>
/// Reads back what <see cref="ScoreSummaryCsv"/> and <see cref="FeaturesCsv"/> write ("\n" line ends, RFC 4180
/// quoting): a split job's gather merges its children's files line by line, so each combined line holds exactly the
/// bytes the child wrote. Numbers were written round-trip ("R"), so <see cref="ToSummary"/> gives back the same doubles.
/// </summary>
public static class ScoreSummaryCsvReader
{
    /// <summary>The header line and the data lines of <paramref name="text"/>; a file without a header names <paramref name="path"/>.</summary>
    public static (string Header, IReadOnlyList<CsvLine> Lines) Read(string text, string path)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lines = text.Split('\n');
        if (lines.Length == 0 || lines[0].Length == 0) throw new InvalidDataException($"{path}: no header line");
        var rows = new List<CsvLine>(lines.Length);
        for (var i = 1; i < lines.Length; i++)
        {
            if (lines[i].Length == 0) continue;
            rows.Add(new CsvLine(lines[i], SplitFields(lines[i], path, i + 1)));
        }
        return (lines[0], rows);
    }

    /// <summary>The fields of one line, with RFC 4180 quotes removed.</summary>
    public static IReadOnlyList<string> SplitFields(string line, string path, int lineNumber)
    {
        ArgumentNullException.ThrowIfNull(line);
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c != '"') field.Append(c);
                else if (i + 1 < line.Length && line[i + 1] == '"') { field.Append('"'); i++; }
                else quoted = false;
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { fields.Add(field.ToString()); field.Clear(); }
            else field.Append(c);
        }
        if (quoted) throw new InvalidDataException($"{path}: line {lineNumber} ends inside a quoted field");
        fields.Add(field.ToString());
        return fields;
    }

    /// <summary>A summary.csv row as the <see cref="ScoreSummary"/> it was written from (likelihood columns included when present).</summary>
    public static ScoreSummary ToSummary(IReadOnlyList<string> header, IReadOnlyList<string> fields, string path)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(fields);
        if (fields.Count != header.Count) throw new InvalidDataException($"{path}: a row has {fields.Count} fields, the header {header.Count}");
        string F(string name)
        {
            for (var i = 0; i < header.Count; i++) if (header[i] == name) return fields[i];
            throw new InvalidDataException($"{path}: no column '{name}'");
        }
        string? Opt(string name)
        {
            for (var i = 0; i < header.Count; i++) if (header[i] == name) return fields[i].Length == 0 ? null : fields[i];
            return null;
        }
        double D(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
        int I(string text) => int.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture);
        try
        {
            var area = Opt("region_area");
            return new ScoreSummary(F("id"), F("source"), I(F("height")), I(F("width")), D(F("mean_abs_score")), D(F("max_abs_score")),
                I(F("max_row")), I(F("max_col")), D(F("frac_above")), D(F("threshold")), D(F("t")), D(F("noise_sigma")), D(F("flux_outside")), I(F("peaks")))
            {
                Region = area is null ? null : new Anomaly.ResidualRegion(Opt("region_row") is { } r ? D(r) : 0, Opt("region_col") is { } c ? D(c) : 0, I(area)),
                Anomaly = Opt("anomaly") is { } a ? D(a) : null,
                PValue = Opt("p_value") is { } p ? D(p) : null,
                Anomalous = Opt("anomalous") is { } f ? f == "true" : null,
                LogLikelihood = Opt("log_likelihood") is { } l ? D(l) : null,
                BitsPerDim = Opt("bits_per_dim") is { } b ? D(b) : null,
            };
        }
        catch (FormatException e)
        {
            throw new InvalidDataException($"{path}: row '{fields[0]}': {e.Message}", e);
        }
    }
}
