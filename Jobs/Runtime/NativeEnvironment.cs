using System.Runtime.InteropServices;

namespace ScoreBatch.Jobs.Runtime;

/// <summary>
/// The C library's environment, which native code (libgomp, MKL) reads when libtorch loads; .NET keeps its own copy,
/// so <see cref="Environment.SetEnvironmentVariable(string, string)"/> does not reach them. Linux/glibc only.
/// </summary>
internal static partial class NativeEnvironment
{
    /// <summary>Sets <paramref name="name"/> unless it is already set; false where there is no C library setenv.</summary>
    public static bool SetIfUnset(string name, string value)
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            return setenv(name, value, 0) == 0;
        }
        catch (EntryPointNotFoundException)
        {
            return false;
        }
        catch (DllNotFoundException)
        {
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int setenv(string name, string value, int overwrite);
}
