using System.Text;

namespace ScoreBatch.Jobs.Evaluation;

/// <summary>
/// A small RFC 4180 CSV reader for the files ScoreBatch writes and reads back (summary.csv, labels.csv): a header
/// line, then rows; fields may be quoted ("a,b", "say ""hi"""), line ends "\n" or "\r\n", blank lines skipped.
/// </summary>
public sealed class CsvTable
{
    private readonly Dictionary<string, int> _columns;

    private CsvTable(string name, IReadOnlyList<string> header, IReadOnlyList<string[]> rows)
    {
        Name = name;
        Header = header;
        Rows = rows;
        _columns = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < header.Count; i++)
        {
            if (!_columns.TryAdd(header[i], i))
                throw new InvalidDataException($"{name}: column '{header[i]}' appears twice in the header");
        }
    }

    /// <summary>File name used in error messages.</summary>
    public string Name { get; }

    public IReadOnlyList<string> Header { get; }

    /// <summary>Data rows, each with exactly <see cref="Header"/>.Count fields.</summary>
    public IReadOnlyList<string[]> Rows { get; }

    public bool Has(string column) => _columns.ContainsKey(column);

    /// <summary>Index of <paramref name="column"/>; throws naming the file and the columns it has.</summary>
    public int IndexOf(string column) => _columns.TryGetValue(column, out int i)
        ? i
        : throw new InvalidDataException($"{Name}: no '{column}' column (it has {string.Join(", ", Header)})");

    /// <summary>Parses <paramref name="text"/>; <paramref name="name"/> names the file in errors (which also give the line).</summary>
    public static CsvTable Parse(string text, string name)
    {
        ArgumentNullException.ThrowIfNull(text);
        var records = ReadRecords(text, name);
        if (records.Count == 0) throw new InvalidDataException($"{name}: empty file (expected a header line)");
        var header = records[0].Fields;
        var rows = new List<string[]>(records.Count - 1);
        foreach (var (line, fields) in records.Skip(1))
        {
            if (fields.Length != header.Length)
                throw new InvalidDataException($"{name}: line {line} has {fields.Length} fields, the header has {header.Length}");
            rows.Add(fields);
        }
        return new CsvTable(name, header, rows);
    }

    private static List<(int Line, string[] Fields)> ReadRecords(string text, string name)
    {
        var records = new List<(int, string[])>();
        var fields = new List<string>();
        var field = new StringBuilder();
        int line = 1, recordLine = 1, i = 0;
        bool quoted = false, any = false;
        void EndField()
        {
            fields.Add(field.ToString());
            field.Clear();
        }
        void EndRecord()
        {
            EndField();
            if (fields.Count > 1 || fields[0].Length > 0 || any) records.Add((recordLine, fields.ToArray()));
            fields.Clear();
            any = false;
        }
        while (i < text.Length)
        {
            char c = text[i];
            if (quoted)
            {
                if (c == '"')
                {
                    if (i + 1 < text.Length && text[i + 1] == '"')
                    {
                        field.Append('"');
                        i += 2;
                        continue;
                    }
                    quoted = false;
                }
                else
                {
                    if (c == '\n') line++;
                    field.Append(c);
                }
                i++;
                continue;
            }
            switch (c)
            {
                case '"' when field.Length == 0:
                    quoted = true;
                    any = true;
                    break;
                case ',':
                    EndField();
                    any = true;
                    break;
                case '\r' when i + 1 < text.Length && text[i + 1] == '\n':
                    break;
                case '\n':
                    EndRecord();
                    line++;
                    recordLine = line;
                    break;
                default:
                    field.Append(c);
                    break;
            }
            i++;
        }
        if (quoted) throw new InvalidDataException($"{name}: line {recordLine}: a quoted field is not closed");
        if (field.Length > 0 || fields.Count > 0 || any) EndRecord();
        return records;
    }
}
