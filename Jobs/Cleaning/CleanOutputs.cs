namespace ScoreBatch.Jobs.Cleaning;

/// <summary>
/// Names of a clean job's outputs under its output prefix: "cleaned/&lt;stem&gt;.npy" and "removed/&lt;stem&gt;.npy" per input
/// file (the input's shape; "sub/a.npy" gives stem "sub/a", other formats keep their extension: "b.fits" gives
/// "b.fits"), "frames/&lt;id&gt;.gif" and "frames/&lt;id&gt;.png" per animated cutout (id made file-safe), and "clean.csv".
/// </summary>
public static class CleanOutputs
{
    public const string CleanedFolder = "cleaned";
    public const string RemovedFolder = "removed";
    public const string FramesFolder = "frames";
    public const string SummaryFile = "clean.csv";
    public const string SummaryHeader = "id,noise_sigma,removed_flux,removed_abs_flux,max_abs_removed,masked_pixels";

    public static string Array(string folder, string relativeName)
    {
        ArgumentException.ThrowIfNullOrEmpty(relativeName);
        var stem = relativeName.EndsWith(".npy", StringComparison.OrdinalIgnoreCase) ? relativeName[..^4] : relativeName;
        return $"{folder}/{stem}.npy";
    }

    /// <summary>"frames/&lt;safe id&gt;&lt;extension&gt;": letters, digits, '.', '-', '_' kept, anything else '_', at most 120 characters.</summary>
    public static string Frame(string cutoutId, string extension)
    {
        var safe = new string([.. cutoutId.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_')]);
        if (safe.Length > 120) safe = safe[^120..];
        return $"{FramesFolder}/{safe}{extension}";
    }
}
