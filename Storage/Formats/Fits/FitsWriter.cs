using System.Globalization;
using System.Text.RegularExpressions;

namespace ScoreBatch.Storage.Formats.Fits;

/// <summary>
/// Writes float32 images (score maps) as FITS through CFITSIO: BITPIX = -32, a 2-D image [H x W] or a cube
/// [N x H x W] in the primary HDU, followed by provenance keywords. Values that do not fit one card use the
/// CONTINUE long-string convention, which astropy reads back as one string.
/// </summary>
public static partial class FitsWriter
{
    /// <summary>
    /// The FITS file bytes. <paramref name="provenance"/> maps 1-8 character keywords (A-Z, 0-9, '-', '_') to a
    /// string, integer, floating-point or boolean value, written in the given order; see <see cref="FitsProvenance"/>.
    /// The file is assembled in <paramref name="scratchDirectory"/> (default: the system temp folder) and deleted.
    /// </summary>
    public static unsafe byte[] Write(ReadOnlySpan<float> pixels, ReadOnlySpan<int> shape,
        IEnumerable<KeyValuePair<string, object>> provenance, string? scratchDirectory = null)
    {
        if (shape.Length is < 2 or > 3)
            throw new ArgumentException($"shape must be [H x W] or [N x H x W], got ({string.Join(", ", shape.ToArray())})", nameof(shape));
        long count = 1;
        foreach (var d in shape)
        {
            if (d <= 0) throw new ArgumentOutOfRangeException(nameof(shape), $"dimension {d} in ({string.Join(", ", shape.ToArray())}) must be positive");
            count *= d;
        }
        if (count != pixels.Length)
            throw new ArgumentException($"shape ({string.Join(", ", shape.ToArray())}) holds {count} pixels but {pixels.Length} were given", nameof(pixels));
        var cards = provenance.ToList();
        foreach (var (key, value) in cards) Validate(key, value);

        var naxes = new long[shape.Length];
        for (int k = 0; k < shape.Length; k++) naxes[k] = shape[shape.Length - 1 - k];
        var dir = scratchDirectory ?? Path.GetTempPath();
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, $"scorebatch-{Guid.NewGuid():N}.fits");
        CfitsioLibrary.EnsureLoaded();
        try
        {
            lock (FitsFile.Gate)
            {
                IntPtr fptr = IntPtr.Zero;
                bool ok = false;
                try
                {
                    int status = 0;
                    CfitsioNative.ffcmsg();
                    CfitsioNative.ffinit(out fptr, "!" + path, ref status);
                    FitsFile.Check(status, path, "creating the FITS file");
                    CfitsioNative.ffcrimll(fptr, CfitsioNative.FloatImg, naxes.Length, naxes, ref status);
                    CfitsioNative.ffplsw(fptr, ref status);
                    FitsFile.Check(status, path, "writing the image header");
                    foreach (var (key, value) in cards) WriteKey(fptr, key, value, path);
                    fixed (float* p = pixels)
                        CfitsioNative.ffppr(fptr, CfitsioNative.TFloat, 1, count, p, ref status);
                    FitsFile.Check(status, path, "writing the pixels");
                    ok = true;
                }
                finally
                {
                    FitsFile.Close(fptr, path, earlierFailure: !ok);
                }
            }
            return File.ReadAllBytes(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static void Validate(string key, object value)
    {
        if (!KeywordRegex().IsMatch(key))
            throw new ArgumentException($"FITS keyword '{key}' must be 1-8 characters of A-Z, 0-9, '-' or '_'", nameof(key));
        if (key is "SIMPLE" or "BITPIX" or "EXTEND" or "END" || key.StartsWith("NAXIS", StringComparison.Ordinal))
            throw new ArgumentException($"FITS keyword '{key}' is structural and set by the writer", nameof(key));
        if (value is not (string or double or float or int or long or bool))
            throw new ArgumentException($"FITS keyword '{key}': values must be string, number or bool, got {value?.GetType().Name ?? "null"}", nameof(value));
    }

    private static void WriteKey(IntPtr fptr, string key, object value, string path)
    {
        int status = 0;
        string? comment = FitsProvenance.CommentFor(key);
        switch (value)
        {
            case string s: CfitsioNative.ffpkls(fptr, key, s, comment, ref status); break;
            case bool b: CfitsioNative.ffpkyl(fptr, key, b ? 1 : 0, comment, ref status); break;
            case int i: CfitsioNative.ffpkyj(fptr, key, i, comment, ref status); break;
            case long l: CfitsioNative.ffpkyj(fptr, key, l, comment, ref status); break;
            // 17 significant digits round-trip any double; a float is widened exactly first.
            case float f: CfitsioNative.ffpkyd(fptr, key, double.Parse(f.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture), -17, comment, ref status); break;
            case double d: CfitsioNative.ffpkyd(fptr, key, d, -17, comment, ref status); break;
        }
        FitsFile.Check(status, path, $"writing keyword {key}");
    }

    [GeneratedRegex("^[A-Z0-9_-]{1,8}$")]
    private static partial Regex KeywordRegex();
}
