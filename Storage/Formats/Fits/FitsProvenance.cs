namespace ScoreBatch.Storage.Formats.Fits;

/// <summary>
/// The provenance keywords ScoreBatch writes into every score-map FITS file, so that a map found on its own
/// says which software, job, model and input produced it. Keys are FITS keywords (at most 8 characters).
/// </summary>
public static class FitsProvenance
{
    public const string Creator = "CREATOR";
    public const string SoftwareVersion = "SBVERSN";
    public const string JobId = "JOBID";
    public const string Model = "MODEL";
    public const string Architecture = "ARCH";
    public const string Temperature = "TSCORE";
    public const string Transform = "TRANSFRM";
    public const string InputFile = "INFILE";
    public const string InputHdu = "INHDU";
    public const string CutoutId = "CUTOUTID";
    public const string CutoutCount = "NCUTOUT";

    /// <summary>Precision of the network's matrix products (fp32 or bf16, the score job's params.precision).</summary>
    public const string Precision = "SBPREC";

    /// <summary>Engine of the network's forward passes (torch or onnx, the score job's params.runtime as resolved).</summary>
    public const string Runtime = "SBRUNTIM";

    private static readonly Dictionary<string, string> Comments = new()
    {
        [Creator] = "software that wrote this file",
        [SoftwareVersion] = "ScoreBatch version",
        [JobId] = "id of the scoring job",
        [Model] = "checkpoint the scores come from",
        [Architecture] = "score network architecture",
        [Temperature] = "diffusion time t at which s(x, t) was evaluated",
        [Transform] = "data transform of the model (x to model space)",
        [InputFile] = "input file of the cutout",
        [InputHdu] = "HDU and plane of the input (e.g. [1]#3)",
        [CutoutId] = "stable cutout id as in summary.csv",
        [CutoutCount] = "planes, one per cutout, in summary.csv order",
        [Precision] = "precision of the network's matrix products",
        [Runtime] = "engine of the forward passes (torch or onnx)",
    };

    /// <summary>The comment ScoreBatch writes next to a known keyword, or null.</summary>
    public static string? CommentFor(string keyword) => Comments.GetValueOrDefault(keyword);

    /// <summary>The standard provenance of a score map, in a fixed order.</summary>
    /// <param name="softwareVersion">ScoreBatch's version (SBVERSN).</param>
    /// <param name="jobId">The job that wrote the map (JOBID).</param>
    /// <param name="model">The model's name as the job gave it (MODEL).</param>
    /// <param name="architecture">The network's architecture and version (ARCH).</param>
    /// <param name="t">The floor diffusion time of the scoring (TSCORE).</param>
    /// <param name="transform">The data transform's spec (TRANSFRM).</param>
    /// <param name="cutoutId">The cutout id, e.g. "field/a.fits[SCI]#3"; INFILE and INHDU are derived from it.</param>
    public static IReadOnlyList<KeyValuePair<string, object>> ForScoreMap(string softwareVersion, string jobId,
        string model, string architecture, double t, string transform, string cutoutId)
    {
        var (file, hdu) = SplitId(cutoutId);
        return
        [
            new(Creator, "ScoreBatch"),
            new(SoftwareVersion, softwareVersion),
            new(JobId, jobId),
            new(Model, model),
            new(Architecture, architecture),
            new(Temperature, t),
            new(Transform, transform),
            new(InputFile, file),
            new(InputHdu, hdu),
            new(CutoutId, cutoutId),
        ];
    }

    /// <summary>Splits a cutout id into its file and the HDU/plane/member suffix ("a.fits[1]#3" -> "a.fits", "[1]#3").</summary>
    public static (string File, string Hdu) SplitId(string cutoutId)
    {
        foreach (var ext in new[] { ".fits.fz", ".fits", ".fit", ".fz", ".npz", ".npy" })
        {
            int i = cutoutId.LastIndexOf(ext, StringComparison.OrdinalIgnoreCase);
            if (i >= 0 && (i + ext.Length == cutoutId.Length || cutoutId[i + ext.Length] is '[' or '#' or ':'))
                return (cutoutId[..(i + ext.Length)], cutoutId[(i + ext.Length)..]);
        }
        return (cutoutId, string.Empty);
    }
}
