using System.Globalization;
using System.Text;

namespace ScoreBatch.Jobs.Scoring;

/// <summary>
/// summary.csv: a header line, then one row per cutout, RFC 4180 quoting, invariant culture, round-trip numbers.
/// Columns: id (cutout id), source (input file), height, width (cutout size before padding), mean_abs_score,
/// max_abs_score (mean and largest |g_x| over the cutout's pixels), max_row, max_col (where the largest is),
/// frac_above (fraction of pixels with |g_x| &gt; threshold), threshold, t (diffusion time of the evaluation),
/// noise_sigma (the x-space pixel noise the temperature was matched to; 0 when scored as noise-free), then the
/// no-model baselines of the input pixels: flux_outside, peaks (<see cref="InputBaselines"/>); with multiscale
/// features: region_row, region_col, region_area (where the unexplained light is); with a calibration: anomaly
/// (higher = more anomalous), p_value (fraction of clean references at least as anomalous), anomalous (true/false
/// at the calibration's false-positive rate). Columns without a value are empty. When any row has a likelihood
/// (params.likelihood), two more columns end every row: log_likelihood (nats, data space), bits_per_dim.
/// </summary>
public static class ScoreSummaryCsv
{
    public const string Header = "id,source,height,width,mean_abs_score,max_abs_score,max_row,max_col,frac_above,threshold,t,noise_sigma,flux_outside,peaks,region_row,region_col,region_area,anomaly,p_value,anomalous";

    /// <summary>The columns a score job with params.likelihood appends.</summary>
    public const string LikelihoodColumns = ",log_likelihood,bits_per_dim";

    /// <summary>One CSV line (no newline), with the likelihood columns when <paramref name="likelihood"/>.</summary>
    public static string FormatRow(ScoreSummary s, bool likelihood) =>
        likelihood ? FormatRow(s) + "," + (s.LogLikelihood is { } l ? N(l) : "") + "," + (s.BitsPerDim is { } b ? N(b) : "") : FormatRow(s);

    /// <summary>One CSV line (no newline).</summary>
    public static string FormatRow(ScoreSummary s) => string.Join(',',
        Quote(s.Id), Quote(s.Source), s.Height.ToString(CultureInfo.InvariantCulture), s.Width.ToString(CultureInfo.InvariantCulture),
        N(s.MeanAbsScore), N(s.MaxAbsScore), s.MaxRow.ToString(CultureInfo.InvariantCulture), s.MaxCol.ToString(CultureInfo.InvariantCulture),
        N(s.FracAbove), N(s.Threshold), N(s.T), N(s.NoiseSigma), N(s.FluxOutside), s.Peaks.ToString(CultureInfo.InvariantCulture),
        s.Region is { } r && r.Area > 0 ? N(r.Row) : "", s.Region is { } r2 && r2.Area > 0 ? N(r2.Col) : "",
        s.Region is { } r3 ? r3.Area.ToString(CultureInfo.InvariantCulture) : "",
        s.Anomaly is { } a ? N(a) : "", s.PValue is { } p ? N(p) : "", s.Anomalous is { } f ? (f ? "true" : "false") : "");

    /// <summary>Writes the header and <paramref name="rows"/> with "\n" line ends.</summary>
    public static void Write(TextWriter writer, IEnumerable<ScoreSummary> rows)
    {
        var list = rows.ToList();
        var likelihood = list.Any(r => r.LogLikelihood is not null);
        writer.Write(Header);
        if (likelihood) writer.Write(LikelihoodColumns);
        writer.Write('\n');
        foreach (var r in list)
        {
            writer.Write(FormatRow(r, likelihood));
            writer.Write('\n');
        }
    }

    /// <summary>The whole file as UTF-8 bytes (no byte-order mark).</summary>
    public static byte[] ToBytes(IEnumerable<ScoreSummary> rows)
    {
        using var sw = new StringWriter(CultureInfo.InvariantCulture);
        Write(sw, rows);
        return new UTF8Encoding(false).GetBytes(sw.ToString());
    }

    private static string N(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>RFC 4180 quoting of one field (only when it holds a comma, quote or line break).</summary>
    internal static string Quote(string field) =>
        field.AsSpan().IndexOfAny(",\"\r\n") < 0 ? field : "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
