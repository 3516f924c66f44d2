using System.Reflection;
using ScoreBatch.Storage.Formats;
using ScoreBatch.Storage.Formats.Fits;

namespace ScoreBatch.Jobs.Scoring;

/// <summary>File format of the score maps under "&lt;output&gt;/scores/".</summary>
public enum ScoreMapFormat
{
    /// <summary>numpy .npy, float32 (default): "sub/a.npy" gives "scores/sub/a.npy", "b.fits" gives "scores/b.fits.npy".</summary>
    Npy,

    /// <summary>FITS, BITPIX -32, with provenance keywords: "b.fits" gives "scores/b.fits", "sub/a.npy" gives "scores/sub/a.npy.fits".</summary>
    Fits,
}

/// <summary>What produced a set of score maps; written into every FITS score map (see <see cref="FitsProvenance"/>).</summary>
/// <param name="JobId">Id of the scoring job (or "cli" for `scorebatch score`).</param>
/// <param name="Model">The checkpoint or .eqx file the scores come from.</param>
/// <param name="Architecture">Score network architecture, e.g. "mixer".</param>
/// <param name="T">Diffusion time of the evaluation.</param>
/// <param name="Transform">Data transform of the model, e.g. "log1p(scale=0.1, log_jacobian=0)".</param>
/// <param name="Precision">Precision of the network's matrix products: "fp32" or "bf16" (FITS keyword SBPREC).</param>
/// <param name="Runtime">Engine of the forward passes: "torch" or "onnx" (<see cref="ScoringRuntime"/>; FITS keyword SBRUNTIM).</param>
public sealed record ScoreMapProvenance(string JobId, string Model, string Architecture, double T, string Transform, string Precision = "fp32",
    string Runtime = ScoringRuntime.Torch)
{
    /// <summary>ScoreBatch's informational version (e.g. "1.0.0+abc123"), as written in SBVERSN.</summary>
    public static string SoftwareVersion { get; } =
        typeof(ScoreMapProvenance).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(ScoreMapProvenance).Assembly.GetName().Version?.ToString() ?? "unknown";
}

/// <summary>
/// Turns the score maps of one input file into the bytes and name of its output under "scores/", in the chosen
/// <see cref="ScoreMapFormat"/>. The array has the shape <see cref="ScoreShards.OutputShape"/> gives ([H x W] or
/// [N x H x W], planes in cutout order, the order of summary.csv).
/// </summary>
public sealed class ScoreMapWriter(ScoreMapFormat format, ScoreMapProvenance provenance, string? scratchDirectory = null)
{
    public ScoreMapFormat Format { get; } = format;

    /// <summary>The output name relative to the job's output prefix for the input file <paramref name="relativeName"/>.</summary>
    public string RelativeOutputName(string relativeName) => RelativeOutputName(Format, relativeName);

    /// <summary>The map file's name under the output prefix for an input named <paramref name="relativeName"/> in <paramref name="format"/>.</summary>
    public static string RelativeOutputName(ScoreMapFormat format, string relativeName) => format switch
    {
        ScoreMapFormat.Npy => ScoreShards.RelativeOutputName(relativeName),
        _ => $"{ScoreShards.Folder}/{(relativeName.EndsWith(".fits", StringComparison.OrdinalIgnoreCase) ? relativeName : relativeName + ".fits")}",
    };

    /// <summary>The file bytes for one input file's maps; <paramref name="cutouts"/> and <paramref name="scores"/> in the same order.</summary>
    public byte[] ToBytes(string relativeName, int[] shape, IReadOnlyList<Cutout> cutouts, IReadOnlyList<CutoutScore> scores)
    {
        if (Format == ScoreMapFormat.Npy) return ScoreShards.ToNpy(shape, scores);
        if (cutouts.Count != scores.Count)
            throw new ArgumentException($"{relativeName}: {cutouts.Count} cutouts but {scores.Count} score maps", nameof(scores));
        var data = new float[shape.Aggregate(1L, (a, b) => a * b)];
        long offset = 0;
        foreach (var s in scores)
        {
            if (offset + s.Score.Length > data.LongLength)
                throw new ArgumentException($"{relativeName}: score maps hold more values than shape ({string.Join(", ", shape)})", nameof(scores));
            s.Score.CopyTo(data, offset);
            offset += s.Score.Length;
        }
        if (offset != data.LongLength)
            throw new ArgumentException($"{relativeName}: score maps hold {offset} values but shape ({string.Join(", ", shape)}) needs {data.LongLength}", nameof(scores));
        return FitsWriter.Write(data, shape, Cards(relativeName, cutouts), scratchDirectory);
    }

    private List<KeyValuePair<string, object>> Cards(string relativeName, IReadOnlyList<Cutout> cutouts)
    {
        // One cutout: its id names file and HDU. Several: the file, the distinct HDU designators, and the plane count.
        var id = cutouts.Count == 1 ? cutouts[0].Id : relativeName;
        var cards = FitsProvenance.ForScoreMap(ScoreMapProvenance.SoftwareVersion, provenance.JobId, provenance.Model,
            provenance.Architecture, provenance.T, provenance.Transform, id).ToList();
        cards.Add(new(FitsProvenance.Precision, provenance.Precision));
        cards.Add(new(FitsProvenance.Runtime, provenance.Runtime));
        if (cutouts.Count > 1)
        {
            var hdus = cutouts.Select(c => FitsProvenance.SplitId(c.Id).Hdu).Select(h => h.Split('#')[0]).Distinct().ToList();
            cards[cards.FindIndex(c => c.Key == FitsProvenance.InputHdu)] = new(FitsProvenance.InputHdu, string.Join(",", hdus));
            cards.Add(new(FitsProvenance.CutoutCount, cutouts.Count));
        }
        return cards;
    }
}
