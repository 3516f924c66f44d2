using System.Text.RegularExpressions;
using ScoreBatch.Jobs.Contracts;

namespace ScoreBatch.Jobs.Handlers;

/// <summary>Validation of the "container/path" names a job message carries (input, output, model).</summary>
public static partial class JobNames
{
    /// <summary>
    /// Checks a "container/path" name the way the storage adapters will (Azure container rules; no empty, "." or
    /// ".." segment; no backslash or control character) so a bad name fails validation, not half-way through a run.
    /// </summary>
    public static string Check(string field, string? name, bool requireBlobName)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new JobValidationException(field, "is required");
        if (name.StartsWith('/') || name.Contains('\\') || name.Any(char.IsControl))
            throw new JobValidationException(field, $"must be a relative 'container/path' name with '/' separators and no control characters, got '{name}'");
        int slash = name.IndexOf('/', StringComparison.Ordinal);
        string container = slash < 0 ? name : name[..slash];
        if (!ContainerPattern().IsMatch(container))
            throw new JobValidationException(field, $"container '{container}' must be 3-63 characters of a-z, 0-9 and single hyphens");
        string rest = slash < 0 ? "" : name[(slash + 1)..];
        if (requireBlobName && rest.Length == 0)
            throw new JobValidationException(field, $"must name a file inside container '{container}', got '{name}'");
        var segments = rest.TrimEnd('/').Split('/');
        if (rest.Length > 0 && segments.Any(s => s.Length == 0 || s is "." or ".."))
            throw new JobValidationException(field, $"must not contain empty, '.' or '..' segments, got '{name}'");
        return name;
    }

    [GeneratedRegex("^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex ContainerPattern();
}
