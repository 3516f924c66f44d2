namespace ScoreBatch.Reliability.Tests.Support;

/// <summary>A fresh temporary folder, deleted with everything in it on dispose.</summary>
public sealed class TempFolder : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("scorebatch-reliability-");

    public string Path => _dir.FullName;

    public void Dispose() => _dir.Delete(recursive: true);
}
