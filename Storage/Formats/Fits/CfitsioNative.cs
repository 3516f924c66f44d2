using System.Runtime.InteropServices;

namespace ScoreBatch.Storage.Formats.Fits;

/// <summary>
/// The few CFITSIO entry points ScoreBatch uses (long names in comments; the library exports the short ff* names).
/// <c>fitsfile*</c> is an opaque <see cref="IntPtr"/>; <c>LONGLONG</c> is <see cref="long"/>. Every call takes and
/// returns the CFITSIO status convention: a non-zero status in means "do nothing", a non-zero status out is an error.
/// Callers go through <see cref="FitsFile"/>, which checks the status and closes the file.
/// </summary>
internal static partial class CfitsioNative
{
    internal const int ReadOnly = 0;
    internal const int ImageHdu = 0;
    internal const int TFloat = 42;
    internal const int FloatImg = -32;
    internal const int KeyNoExist = 202;
    internal const int FlenValue = 71;
    internal const int FlenComment = 73;
    internal const int FlenStatus = 31;
    internal const int FlenErrMsg = 81;

    static CfitsioNative() => CfitsioLibrary.EnsureLoaded();

    /// <summary>fits_get_version.</summary>
    [LibraryImport(CfitsioLibrary.ImportName)]
    internal static partial float ffvers(ref float version);

    /// <summary>
    /// fits_open_memfile: opens a FITS file held in caller-owned memory (read-only here; no realloc).
    /// CFITSIO keeps <paramref name="buffptr"/> and <paramref name="buffsize"/> until the file is closed, so both must
    /// point to memory that does not move (native memory, not a managed local).
    /// </summary>
    [LibraryImport(CfitsioLibrary.ImportName, StringMarshalling = StringMarshalling.Utf8)]
    internal static unsafe partial int ffomem(out IntPtr fptr, string name, int mode, void** buffptr, nuint* buffsize,
        nuint deltasize, IntPtr memRealloc, ref int status);

    /// <summary>fits_open_file (disk file; extended file-name syntax applies).</summary>
    [LibraryImport(CfitsioLibrary.ImportName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int ffopen(out IntPtr fptr, string filename, int iomode, ref int status);

    /// <summary>fits_create_file ("!name" overwrites).</summary>
    [LibraryImport(CfitsioLibrary.ImportName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int ffinit(out IntPtr fptr, string filename, ref int status);

    /// <summary>fits_close_file.</summary>
    [LibraryImport(CfitsioLibrary.ImportName)]
    internal static partial int ffclos(IntPtr fptr, ref int status);

    /// <summary>fits_get_num_hdus.</summary>
    [LibraryImport(CfitsioLibrary.ImportName)]
    internal static partial int ffthdu(IntPtr fptr, out int nhdu, ref int status);

    /// <summary>fits_movabs_hdu (1-based HDU number).</summary>
    [LibraryImport(CfitsioLibrary.ImportName)]
    internal static partial int ffmahd(IntPtr fptr, int hdunum, out int exttype, ref int status);

    /// <summary>fits_get_hdu_type (IMAGE_HDU also for a tile-compressed image stored as a binary table).</summary>
    [LibraryImport(CfitsioLibrary.ImportName)]
    internal static partial int ffghdt(IntPtr fptr, out int exttype, ref int status);

    /// <summary>fits_get_img_dim (NAXIS; for a tile-compressed image, that of the uncompressed image).</summary>
    [LibraryImport(CfitsioLibrary.ImportName)]
    internal static partial int ffgidm(IntPtr fptr, out int naxis, ref int status);

    /// <summary>fits_get_img_sizell (NAXIS1..n, fastest axis first).</summary>
    [LibraryImport(CfitsioLibrary.ImportName)]
    internal static partial int ffgiszll(IntPtr fptr, int nlen, [Out] long[] naxes, ref int status);

    /// <summary>fits_get_img_type (BITPIX as stored).</summary>
    [LibraryImport(CfitsioLibrary.ImportName)]
    internal static partial int ffgidt(IntPtr fptr, out int bitpix, ref int status);

    /// <summary>fits_read_img: reads and converts pixels, applying BSCALE/BZERO.</summary>
    [LibraryImport(CfitsioLibrary.ImportName)]
    internal static unsafe partial int ffgpv(IntPtr fptr, int datatype, long firstelem, long nelem, void* nulval,
        void* array, out int anynul, ref int status);

    /// <summary>fits_read_key_str: value without quotes; status KEY_NO_EXIST when absent.</summary>
    [LibraryImport(CfitsioLibrary.ImportName, StringMarshalling = StringMarshalling.Utf8)]
    internal static unsafe partial int ffgkys(IntPtr fptr, string keyname, byte* value, byte* comm, ref int status);

    /// <summary>fits_create_imgll.</summary>
    [LibraryImport(CfitsioLibrary.ImportName)]
    internal static partial int ffcrimll(IntPtr fptr, int bitpix, int naxis, long[] naxes, ref int status);

    /// <summary>fits_write_key_longstr (CONTINUE convention for values longer than one card).</summary>
    [LibraryImport(CfitsioLibrary.ImportName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int ffpkls(IntPtr fptr, string keyname, string value, string? comm, ref int status);

    /// <summary>fits_write_key_dbl (decim &lt; 0: %G-style with |decim| significant digits).</summary>
    [LibraryImport(CfitsioLibrary.ImportName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int ffpkyd(IntPtr fptr, string keyname, double value, int decim, string? comm, ref int status);

    /// <summary>fits_write_key_lng.</summary>
    [LibraryImport(CfitsioLibrary.ImportName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int ffpkyj(IntPtr fptr, string keyname, long value, string? comm, ref int status);

    /// <summary>fits_write_key_log.</summary>
    [LibraryImport(CfitsioLibrary.ImportName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int ffpkyl(IntPtr fptr, string keyname, int value, string? comm, ref int status);

    /// <summary>fits_write_key_longwarn (declares the LONGSTRN convention).</summary>
    [LibraryImport(CfitsioLibrary.ImportName)]
    internal static partial int ffplsw(IntPtr fptr, ref int status);

    /// <summary>fits_write_img.</summary>
    [LibraryImport(CfitsioLibrary.ImportName)]
    internal static unsafe partial int ffppr(IntPtr fptr, int datatype, long firstelem, long nelem, void* array, ref int status);

    /// <summary>fits_get_errstatus: the short text of a status code.</summary>
    [LibraryImport(CfitsioLibrary.ImportName)]
    internal static unsafe partial void ffgerr(int status, byte* errtext);

    /// <summary>fits_read_errmsg: pops the oldest message of the error stack; 0 when empty.</summary>
    [LibraryImport(CfitsioLibrary.ImportName)]
    internal static unsafe partial int ffgmsg(byte* err);

    /// <summary>fits_clear_errmsg.</summary>
    [LibraryImport(CfitsioLibrary.ImportName)]
    internal static partial void ffcmsg();
}
