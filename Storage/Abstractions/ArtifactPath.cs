using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace ScoreBatch.Storage.Abstractions;

/// <summary>
/// The single validator for artifact names taken from messages and options: "container/path/inside".
/// The container follows Azure's rules (3-63 characters of a-z, 0-9 and single hyphens, starting and ending with a
/// letter or digit); the rest is '/'-separated segments with no empty, "." or ".." segment, no backslash, no
/// control character and no invisible or direction-changing character (bidi overrides, zero-width characters), so a
/// name can never escape its prefix on a blob service or on a local disk, and reads in a log as what it is.
/// </summary>
public static partial class ArtifactPath
{
    /// <summary>Azure's limit on a blob name; the container and its slash come on top.</summary>
    public const int MaxBlobNameLength = 1024;

    [GeneratedRegex("^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex ContainerPattern();

    /// <summary>True for a valid container (or queue) name: Azure gives both the same rules.</summary>
    public static bool IsValidContainerName(string? name) => name is not null && ContainerPattern().IsMatch(name);

    /// <summary>Returns null when <paramref name="path"/> is a valid name, else a sentence saying what is wrong.</summary>
    /// <param name="path">A "container/path" name from a message or an option.</param>
    /// <param name="requireBlobName">True when the name must go beyond the container ("c/x"), false for a prefix.</param>
    public static string? Check(string? path, bool requireBlobName)
    {
        if (string.IsNullOrEmpty(path)) return "is empty";
        if (path.StartsWith('/')) return $"must not be absolute, got '{path}'";
        if (path.Contains('\\')) return $"must use '/' separators, got '{path}'";
        foreach (var r in path.EnumerateRunes())
        {
            if (Rune.IsControl(r)) return $"contains a control character (U+{r.Value:X4})";
            // Bidi overrides and isolates (U+202E shows "evil\u202Egpj.exe" as "evilexe.jpg"), zero-width and other
            // invisible format characters, line and paragraph separators: a name must read as what it is in logs.
            if (Rune.GetUnicodeCategory(r) is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
                return $"contains an invisible or direction-changing character (U+{r.Value:X4}); names must read as they are";
        }
        var slash = path.IndexOf('/', StringComparison.Ordinal);
        var container = slash < 0 ? path : path[..slash];
        if (!ContainerPattern().IsMatch(container))
            return $"container '{container}' must be 3-63 characters of a-z, 0-9 and single hyphens";
        if (slash < 0) return requireBlobName ? $"must name a file inside container '{container}', got '{path}'" : null;
        var rest = path[(slash + 1)..];
        if (rest.Length == 0) return requireBlobName ? $"must name a file inside container '{container}', got '{path}'" : null;
        if (rest.Length > MaxBlobNameLength) return $"is longer than {MaxBlobNameLength} characters after the container";
        var segments = rest.Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            var s = segments[i];
            // A trailing slash is allowed on a prefix ("out/run1/"), nowhere else may a segment be empty.
            if (s.Length == 0 && !(i == segments.Length - 1 && !requireBlobName)) return $"has an empty segment in '{path}'";
            if (s is "." or "..") return $"must not contain '.' or '..' segments, got '{path}'";
        }
        return null;
    }

    /// <summary>Throws <see cref="InvalidArtifactPathException"/> naming <paramref name="field"/> unless the name is valid.</summary>
    public static string Validate(string? path, string field, bool requireBlobName = true)
    {
        var problem = Check(path, requireBlobName);
        if (problem is not null) throw new InvalidArtifactPathException(field, path, problem);
        return path!;
    }

    /// <summary>
    /// Joins a validated prefix and a relative name ("scores/0001.npy"); the result is validated and must stay under
    /// the prefix.
    /// </summary>
    public static string Combine(string prefix, string relative)
    {
        Validate(prefix, "prefix", requireBlobName: false);
        if (string.IsNullOrEmpty(relative) || relative.StartsWith('/'))
            throw new InvalidArtifactPathException("relative", relative, "must be a non-empty relative name");
        var joined = prefix.TrimEnd('/') + "/" + relative;
        Validate(joined, "path");
        return joined;
    }

    /// <summary>Splits a validated name into its container and the name inside it ("" for a bare container).</summary>
    public static (string Container, string Name) Split(string path)
    {
        var slash = path.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? (path, "") : (path[..slash], path[(slash + 1)..]);
    }

    /// <summary>The part of <paramref name="path"/> after <paramref name="prefix"/> and its slash.</summary>
    public static string RelativeTo(string prefix, string path)
    {
        var p = prefix.TrimEnd('/') + "/";
        if (!path.StartsWith(p, StringComparison.Ordinal))
            throw new InvalidArtifactPathException("path", path, $"is not under prefix '{prefix}'");
        return path[p.Length..];
    }
}

/// <summary>An artifact name that failed <see cref="ArtifactPath"/> validation; <see cref="Field"/> names where it came from.</summary>
public sealed class InvalidArtifactPathException(string field, string? path, string problem)
    : ArgumentException($"{field}: {problem}")
{
    public string Field { get; } = field;
    public string? Path { get; } = path;
}
