namespace ScoreBatch.Worker.Cli;

/// <summary>
/// The local form of "one job per output prefix": `score` and `train` write only into an empty (or new) --out
/// folder, so stale score maps, previews or checkpoints of an earlier run never sit beside the new ones.
/// --overwrite empties the folder first, unless that would delete something the run reads (its input, model or
/// checkpoint), which is refused.
/// </summary>
internal static class OutputFolder
{
    /// <summary>
    /// Creates <paramref name="folder"/> when missing; throws <see cref="ArgumentException"/> naming --out when it holds
    /// anything and <paramref name="overwrite"/> is false, or naming the flag whose path --overwrite would delete.
    /// <paramref name="reads"/> holds (flag, path) pairs of what the run reads.
    /// </summary>
    public static void Prepare(string folder, bool overwrite, params (string Flag, string? Path)[] reads)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var full = Path.GetFullPath(folder);
        if (!Directory.Exists(full))
        {
            if (File.Exists(full)) throw new ArgumentException($"--out: '{full}' is a file, not a folder");
            Directory.CreateDirectory(full);
            return;
        }
        var entries = Directory.EnumerateFileSystemEntries(full).Take(1).Any();
        if (!entries) return;
        if (!overwrite)
            throw new ArgumentException($"--out: '{full}' is not empty; pass --overwrite to empty it first, or choose a new folder");
        var inside = full.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        foreach (var (flag, path) in reads)
        {
            if (path is null) continue;
            var p = Path.GetFullPath(path);
            if (p == full || p.StartsWith(inside, StringComparison.Ordinal))
                throw new ArgumentException($"--overwrite: emptying --out '{full}' would delete {flag} '{p}'; choose another --out");
        }
        if (Path.GetPathRoot(full) == full || full == Path.GetFullPath(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile)))
            throw new ArgumentException($"--overwrite: refusing to empty '{full}'; choose a dedicated --out folder");
        foreach (var dir in Directory.EnumerateDirectories(full)) Directory.Delete(dir, recursive: true);
        foreach (var file in Directory.EnumerateFiles(full)) File.Delete(file);
    }

    /// <summary>True when <paramref name="path"/> lies inside <paramref name="folder"/>.</summary>
    public static bool Contains(string folder, string path)
    {
        var inside = Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        return Path.GetFullPath(path).StartsWith(inside, StringComparison.Ordinal);
    }
}
