using System.Reflection;
using System.Runtime.InteropServices;

namespace ScoreBatch.Storage.Formats.Fits;

/// <summary>
/// Locates the CFITSIO shared library (Debian package <c>libcfitsio10</c>) for the P/Invoke declarations in
/// <see cref="CfitsioNative"/>. A missing library fails with a message that names the package to install, instead
/// of the runtime's generic "unable to load shared library".
/// </summary>
public static class CfitsioLibrary
{
    /// <summary>The name the P/Invoke declarations use; the resolver maps it to a real file.</summary>
    internal const string ImportName = "cfitsio";

    /// <summary>File names tried in order: Debian 12's soname first, then unversioned names (other distributions, macOS).</summary>
    public static IReadOnlyList<string> Candidates { get; } =
        ["libcfitsio.so.10", "libcfitsio.so", "libcfitsio.dylib", "cfitsio"];

    private static readonly Lazy<IntPtr> Handle = new(() => Load(Candidates), LazyThreadSafetyMode.ExecutionAndPublication);
    private static int _resolverInstalled;

    /// <summary>Installs the import resolver for this assembly (idempotent) and loads the library.</summary>
    /// <exception cref="DllNotFoundException">CFITSIO is not installed; the message names the package.</exception>
    public static void EnsureLoaded()
    {
        if (Interlocked.Exchange(ref _resolverInstalled, 1) == 0)
            NativeLibrary.SetDllImportResolver(typeof(CfitsioLibrary).Assembly, Resolve);
        _ = Handle.Value;
    }

    /// <summary>The CFITSIO version number of the loaded library, e.g. 4.02.</summary>
    public static float Version()
    {
        EnsureLoaded();
        float v = 0;
        CfitsioNative.ffvers(ref v);
        return v;
    }

    /// <summary>Loads the first of <paramref name="candidates"/> that exists, or throws naming the package to install.</summary>
    internal static IntPtr Load(IReadOnlyList<string> candidates)
    {
        foreach (var name in candidates)
            if (NativeLibrary.TryLoad(name, out var handle))
                return handle;
        throw new DllNotFoundException(
            $"CFITSIO is not installed (tried {string.Join(", ", candidates)}). FITS input and output need it: " +
            "install the Debian package libcfitsio10 (`apt-get install -y libcfitsio10`; Infra/scripts/setup.sh does this).");
    }

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
        libraryName == ImportName ? Handle.Value : IntPtr.Zero;
}
