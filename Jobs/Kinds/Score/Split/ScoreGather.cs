using System.Globalization;
using System.Text;
using ScoreBatch.Jobs.Previews;
using ScoreBatch.Jobs.Scoring;
using ScoreBatch.Storage.Abstractions;
using ScoreBatch.Storage.Formats;

namespace ScoreBatch.Jobs.Kinds.Score.Split;

/// <summary>
/// The combined outputs of a split score job, computed from its children's outputs once every child has succeeded:
/// "summary.csv" (every child's rows, each line byte for byte as the child wrote it, ranked by the plan's
/// <see cref="SplitPlan.RankedBy"/> column, highest first, non-finite or empty last, ties by id in ordinal order),
/// "features.csv" when calibrated (the children's rows in the same order), and "previews/" of the top K over the
/// whole job, re-rendered from the children's score maps and the input cutouts (the same pictures an unsplit job
/// draws: rank files and the histogram of every cutout's score). Pure function of the children's outputs: a gather
/// done twice computes the same bytes.
/// </summary>
public static class ScoreGather
{
    /// <summary>Children's files read at once.</summary>
    private const int Parallel = 8;

    /// <summary>The combined files as (path relative to the parent's output, bytes). A missing or inconsistent child file is an <see cref="InvalidDataException"/> naming it.</summary>
    public static async Task<IReadOnlyList<(string RelativePath, byte[] Bytes)>> CombineAsync(IArtifactStore store, string parentOutput, SplitPlan plan,
        ArrayLimits limits, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(plan);
        var summaries = await ReadPartsAsync(store, parentOutput, plan.Parts.Count, ScoreShards.SummaryFile, ct).ConfigureAwait(false);
        var (header, rows) = Merge(summaries, parentOutput, ScoreShards.SummaryFile);
        var columns = ScoreSummaryCsvReader.SplitFields(header, ScoreShards.SummaryFile, 1);
        var rankColumn = IndexOf(columns, plan.RankedBy, ScoreShards.SummaryFile);
        var idColumn = IndexOf(columns, "id", ScoreShards.SummaryFile);
        var ranked = rows.Select(r => (Row: r.Line, r.Part, Rank: Rank(r.Line.Fields[rankColumn]), Id: r.Line.Fields[idColumn]))
            .OrderBy(r => double.IsFinite(r.Rank) ? 0 : 1)
            .ThenByDescending(r => double.IsFinite(r.Rank) ? r.Rank : 0)
            .ThenBy(r => r.Id, StringComparer.Ordinal)
            .ToList();
        var files = new List<(string, byte[])> { (ScoreShards.SummaryFile, Lines(header, ranked.Select(r => r.Row.Text))) };

        if (plan.Calibrated)
        {
            var features = await ReadPartsAsync(store, parentOutput, plan.Parts.Count, FeaturesCsv.FileName, ct).ConfigureAwait(false);
            var (featureHeader, featureRows) = Merge(features, parentOutput, FeaturesCsv.FileName);
            var byId = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (line, _) in featureRows) byId[line.Fields[0]] = line.Text;
            files.Add((FeaturesCsv.FileName, Lines(featureHeader, ranked.Select(r => byId.TryGetValue(r.Id, out var f) ? f
                : throw new InvalidDataException($"{parentOutput}: {FeaturesCsv.FileName} of part {r.Part} has no row for '{r.Id}'")))));
        }

        if (plan.Previews > 0)
        {
            var top = ranked.Where(r => double.IsFinite(r.Rank)).Take(plan.Previews).ToList();
            var previews = new List<(CutoutPreview, double)>(top.Count);
            var read = new Dictionary<string, IReadOnlyList<Cutout>>(StringComparer.Ordinal); // a stack holding several of the top K is read once
            foreach (var r in top)
            {
                var summary = ScoreSummaryCsvReader.ToSummary(columns, r.Row.Fields, $"{SplitNames.PartFolder(r.Part)}/{ScoreShards.SummaryFile}");
                var (cutout, map) = await CutoutAndMapAsync(store, parentOutput, plan, r.Part, summary, limits, read, ct).ConfigureAwait(false);
                previews.Add((AnomalyPreviews.PreviewOf(cutout, map, summary), r.Rank));
            }
            foreach (var (path, png) in AnomalyPreviews.RenderRanked(previews, [.. ranked.Select(r => r.Rank)], plan.Previews, plan.RankedBy))
                files.Add((path, png));
        }
        return files;
    }

    /// <summary>The input cutout and its score map for one summary row of part <paramref name="part"/>.</summary>
    private static async Task<(Cutout Cutout, float[] Map)> CutoutAndMapAsync(IArtifactStore store, string parentOutput, SplitPlan plan, int part,
        ScoreSummary row, ArrayLimits limits, Dictionary<string, IReadOnlyList<Cutout>> read, CancellationToken ct)
    {
        var file = plan.Parts[part].FirstOrDefault(f => f.Name == row.Source)
            ?? throw new InvalidDataException($"{parentOutput}: part {part} lists no input '{row.Source}' (summary row '{row.Id}')");
        var cutouts = await ReadCutoutsAsync(store, file.Path, file.Name, limits, read, ct).ConfigureAwait(false);
        var index = cutouts.Select((c, i) => (c.Id, i)).FirstOrDefault(c => c.Id == row.Id, (row.Id, -1)).Item2;
        if (index < 0) throw new InvalidDataException($"{file.Path}: no cutout '{row.Id}'");
        var mapName = ScoreMapWriter.RelativeOutputName(plan.MapFormat, file.Name);
        var mapPath = ArtifactPath.Combine(SplitNames.PartOutput(parentOutput, part), mapName);
        var maps = await ReadCutoutsAsync(store, mapPath, mapName, limits, read, ct).ConfigureAwait(false);
        if (maps.Count != cutouts.Count || maps[index].Height != cutouts[index].Height || maps[index].Width != cutouts[index].Width)
            throw new InvalidDataException($"{mapPath}: holds {maps.Count} maps, its input {cutouts.Count} cutouts of {cutouts[index].Height}x{cutouts[index].Width}");
        return (cutouts[index], maps[index].Pixels);
    }

    private static async Task<IReadOnlyList<Cutout>> ReadCutoutsAsync(IArtifactStore store, string path, string name, ArrayLimits limits,
        Dictionary<string, IReadOnlyList<Cutout>> read, CancellationToken ct)
    {
        if (read.TryGetValue(path, out var known)) return known;
        var bytes = await store.ReadAsync(path, ct).ConfigureAwait(false);
        try
        {
            return read[path] = CutoutReader.Read(name, bytes.ToMemory().Span, limits);
        }
        catch (CutoutFormatException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>The file <paramref name="name"/> of every part, as text, in part order.</summary>
    private static async Task<string[]> ReadPartsAsync(IArtifactStore store, string parentOutput, int parts, string name, CancellationToken ct)
    {
        var texts = new string[parts];
        await System.Threading.Tasks.Parallel.ForEachAsync(Enumerable.Range(0, parts), new ParallelOptions { MaxDegreeOfParallelism = Parallel, CancellationToken = ct },
            async (p, token) =>
            {
                var path = ArtifactPath.Combine(SplitNames.PartOutput(parentOutput, p), name);
                try
                {
                    texts[p] = (await store.ReadAsync(path, token).ConfigureAwait(false)).ToString();
                }
                catch (ArtifactNotFoundException)
                {
                    throw new InvalidDataException($"{path}: missing (part {p} succeeded without it)");
                }
            }).ConfigureAwait(false);
        return texts;
    }

    /// <summary>The shared header and every data line with its part; parts whose headers differ name the first that does.</summary>
    private static (string Header, List<(CsvLine Line, int Part)> Rows) Merge(string[] texts, string parentOutput, string name)
    {
        string? header = null;
        var rows = new List<(CsvLine, int)>();
        for (var p = 0; p < texts.Length; p++)
        {
            var path = ArtifactPath.Combine(SplitNames.PartOutput(parentOutput, p), name);
            var (h, lines) = ScoreSummaryCsvReader.Read(texts[p], path);
            if (header is not null && h != header) throw new InvalidDataException($"{path}: header '{h}' differs from part 0's '{header}'");
            header = h;
            rows.AddRange(lines.Select(l => (l, p)));
        }
        return (header ?? throw new InvalidDataException($"{parentOutput}: no parts"), rows);
    }

    private static int IndexOf(IReadOnlyList<string> columns, string name, string file)
    {
        for (var i = 0; i < columns.Count; i++) if (columns[i] == name) return i;
        throw new InvalidDataException($"{file}: no column '{name}'");
    }

    private static double Rank(string field) =>
        double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : double.NaN;

    private static byte[] Lines(string header, IEnumerable<string> lines)
    {
        var text = new StringBuilder(header).Append('\n');
        foreach (var line in lines) text.Append(line).Append('\n');
        return new UTF8Encoding(false).GetBytes(text.ToString());
    }
}
