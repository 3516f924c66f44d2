using ScoreBatch.Storage.Formats;

namespace ScoreBatch.Jobs.Scoring;

/// <summary>
/// How the score maps of one input file are named and shaped: "sub/a.npy" gives "scores/sub/a.npy" and any other
/// format keeps its extension ("sub/b.fits" gives "scores/sub/b.fits.npy"), so names are deterministic and never
/// collide. The array has the input's shape: [H x W] for a single image, [N x H x W] for a stack.
/// </summary>
public static class ScoreShards
{
    /// <summary>Folder under the output prefix that holds the score maps.</summary>
    public const string Folder = "scores";

    /// <summary>Summary file name under the output prefix.</summary>
    public const string SummaryFile = "summary.csv";

    /// <summary>"scores/&lt;relative name without .npy&gt;.npy" for an input file named <paramref name="relativeName"/>.</summary>
    public static string RelativeOutputName(string relativeName)
    {
        ArgumentException.ThrowIfNullOrEmpty(relativeName);
        var stem = relativeName.EndsWith(".npy", StringComparison.OrdinalIgnoreCase) ? relativeName[..^4] : relativeName;
        return $"{Folder}/{stem}.npy";
    }

    /// <summary>
    /// The shape of the file's score array: [H, W] when the file is one 2-D image (its only cutout's id is the file
    /// name), else [N, H, W]. Throws <see cref="CutoutFormatException"/> naming the file when a stack's cutouts
    /// differ in size (they cannot share one array).
    /// </summary>
    public static int[] OutputShape(string fileName, IReadOnlyList<Cutout> cutouts)
    {
        if (cutouts.Count == 0) throw new CutoutFormatException(fileName, "holds no cutouts");
        var first = cutouts[0];
        if (cutouts.Count == 1 && first.Id == fileName) return [first.Height, first.Width];
        foreach (var c in cutouts)
            if (c.Height != first.Height || c.Width != first.Width)
                throw new CutoutFormatException(fileName, $"cutouts differ in size ({first.Id} is {first.Height}x{first.Width}, {c.Id} is {c.Height}x{c.Width}); score maps of one file share one array");
        return [cutouts.Count, first.Height, first.Width];
    }

    /// <summary>Concatenates the maps of one file, in cutout order, into the .npy bytes of its score array.</summary>
    public static byte[] ToNpy(int[] shape, IReadOnlyList<CutoutScore> scores)
    {
        long total = shape.Aggregate(1L, (a, b) => a * b);
        var data = new float[total];
        long offset = 0;
        foreach (var s in scores)
        {
            s.Score.CopyTo(data, offset);
            offset += s.Score.Length;
        }
        if (offset != total)
            throw new ArgumentException($"score maps hold {offset} values but shape ({string.Join(", ", shape)}) needs {total}");
        return Npy.ToBytes(data, shape);
    }
}
