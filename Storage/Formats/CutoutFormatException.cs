namespace ScoreBatch.Storage.Formats;

/// <summary>A cutout or array file that cannot be read as written; <see cref="File"/> names it.</summary>
public sealed class CutoutFormatException(string file, string message)
    : Exception($"{file}: {message}")
{
    public string File { get; } = file;
}
