using System.Text;

namespace ScoreBatch.Storage.Formats.Fits;

/// <summary>
/// Status handling shared by <see cref="FitsReader"/> and <see cref="FitsWriter"/>. CFITSIO keeps one error-message
/// stack per process, so every FITS operation runs under <see cref="Gate"/>: reads and writes of different files
/// are serialised, which costs little next to scoring.
/// </summary>
internal static class FitsFile
{
    internal static readonly Lock Gate = new();

    /// <summary>Throws a <see cref="CutoutFormatException"/> for a non-zero status, with CFITSIO's own messages.</summary>
    internal static void Check(int status, string file, string action)
    {
        if (status == 0) return;
        throw new CutoutFormatException(file, $"{action} failed: {Describe(status)}");
    }

    /// <summary>The status text plus every message on CFITSIO's error stack (which it leaves empty).</summary>
    internal static unsafe string Describe(int status)
    {
        byte* buffer = stackalloc byte[CfitsioNative.FlenErrMsg + 1];
        CfitsioNative.ffgerr(status, buffer);
        var text = new StringBuilder($"CFITSIO status {status} ({Text(buffer)})");
        while (CfitsioNative.ffgmsg(buffer) != 0)
            text.Append("; ").Append(Text(buffer).Trim());
        return text.ToString();
    }

    /// <summary>Closes <paramref name="fptr"/>; a failure here is reported only when no earlier error is in flight.</summary>
    internal static void Close(IntPtr fptr, string file, bool earlierFailure)
    {
        if (fptr == IntPtr.Zero) return;
        int status = 0;
        CfitsioNative.ffclos(fptr, ref status);
        if (earlierFailure)
            CfitsioNative.ffcmsg();
        else
            Check(status, file, "closing the FITS file");
    }

    internal static unsafe string Text(byte* s) => Encoding.ASCII.GetString(s, IndexOfNul(s));

    private static unsafe int IndexOfNul(byte* s)
    {
        int n = 0;
        while (s[n] != 0) n++;
        return n;
    }
}
