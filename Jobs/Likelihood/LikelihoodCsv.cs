using System.Globalization;
using System.Text;

namespace ScoreBatch.Jobs.Likelihood;

/// <summary>
/// likelihood.csv: one row per cutout, "id,log_likelihood,log_likelihood_model,bits_per_dim,std_error,dimensions,
/// steps,nfe"; log_likelihood is in nats in data space (the transform's log-Jacobian included), the _model column in
/// the prior's own space; numbers in invariant culture with round-trip precision, ids quoted when they need it.
/// </summary>
public static class LikelihoodCsv
{
    public const string FileName = "likelihood.csv";

    public const string Header = "id,log_likelihood,log_likelihood_model,bits_per_dim,std_error,dimensions,steps,nfe";

    public static byte[] ToBytes(IEnumerable<CutoutLikelihood> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var sb = new StringBuilder(Header).Append('\n');
        foreach (var r in rows)
        {
            sb.Append(Quote(r.Id)).Append(',')
                .Append(Number(r.LogPx)).Append(',').Append(Number(r.LogPy)).Append(',').Append(Number(r.BitsPerDim)).Append(',')
                .Append(double.IsNaN(r.StdError) ? "" : Number(r.StdError)).Append(',')
                .Append(r.Dimensions.ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append(r.Steps.ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append(r.Evaluations.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    private static string Number(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    private static string Quote(string s) => s.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;
}
