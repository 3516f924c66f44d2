using System.Globalization;
using System.Text;
using ScoreBatch.Jobs.Anomaly;

namespace ScoreBatch.Jobs.Scoring;

/// <summary>
/// features.csv, written beside summary.csv by a score job with a calibration: the multiscale features behind each
/// cutout's anomaly, for a user's own analysis (which level or region made a cutout stand out). A header "id" then
/// <see cref="ScoreFeatureOptions.Names"/>; one row per cutout in summary.csv's order; invariant round-trip numbers.
/// </summary>
public static class FeaturesCsv
{
    /// <summary>File name under the output prefix.</summary>
    public const string FileName = "features.csv";

    /// <summary>The file as UTF-8 bytes ("\n" line ends); every row must carry <paramref name="options"/>' feature count.</summary>
    public static byte[] ToBytes(ScoreFeatureOptions options, IEnumerable<(string Id, IReadOnlyList<double> Features)> rows)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(rows);
        var names = options.Names();
        var text = new StringBuilder("id,").Append(string.Join(',', names)).Append('\n');
        foreach (var (id, features) in rows)
        {
            if (features.Count != names.Count)
                throw new ArgumentException($"{id}: {features.Count} features, the options name {names.Count}", nameof(rows));
            text.Append(ScoreSummaryCsv.Quote(id));
            foreach (var f in features) text.Append(',').Append(f.ToString("R", CultureInfo.InvariantCulture));
            text.Append('\n');
        }
        return new UTF8Encoding(false).GetBytes(text.ToString());
    }
}
