using ScoreBatch.Tests.Shared;

namespace ScoreBatch.Storage.Tests.Interop;

/// <summary>The interop harness fails loudly, naming what to install, instead of skipping.</summary>
public sealed class ReferencePythonTests : IDisposable
{
    private readonly string _dir = ReferencePython.NewWorkDirectory("pyharness");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Run_MissingInterpreter_ThrowsNamingDebianPackages()
    {
        var e = Assert.Throws<InvalidOperationException>(() => ReferencePython.Run("print(1)", _dir, interpreter: "/nonexistent/python3.11"));
        Assert.Contains("/nonexistent/python3.11 is missing", e.Message);
        Assert.Contains("python3-astropy", e.Message);
    }

    [Fact]
    public void Run_MissingModule_ThrowsNamingDebianPackage()
    {
        var e = Assert.Throws<InvalidOperationException>(() => ReferencePython.Run("raise ModuleNotFoundError(\"No module named 'astropy'\")", _dir));
        Assert.Contains("install the Debian package python3-astropy", e.Message);
    }

    [Fact]
    public void Run_FailingScript_ThrowsWithItsError()
    {
        var e = Assert.Throws<InvalidOperationException>(() => ReferencePython.Run("import sys\nsys.exit('shape mismatch 3 != 4')", _dir));
        Assert.Contains("exited with 1", e.Message);
        Assert.Contains("shape mismatch 3 != 4", e.Message);
    }

    [Fact]
    public void RunJson_LastLine_IsParsed()
    {
        var r = ReferencePython.RunJson("print('progress...')\nprint('{\"a\": [1, 2]}')", _dir);
        Assert.Equal(2, r.GetProperty("a")[1].GetInt32());
    }
}
