using System.Text.RegularExpressions;

namespace ScoreBatch.Jobs.Tests.Architecture;

/// <summary>The README's repository layout names every source folder of the projects, and only folders that exist.</summary>
public sealed partial class ReadmeLayoutTests
{
    [Fact]
    public void ReadmeLayoutTable_NamesEverySourceFolder_AndNoOther()
    {
        var root = RepositoryRoot();
        var readme = File.ReadAllText(Path.Combine(root, "README.md"));
        var start = readme.IndexOf("## Repository layout", StringComparison.Ordinal);
        Assert.True(start >= 0, "README.md has no '## Repository layout' section");
        var end = readme.IndexOf("\n## ", start + 5, StringComparison.Ordinal);
        var table = readme[start..(end < 0 ? readme.Length : end)];
        var listed = Row().Matches(table).Select(m => m.Groups["path"].Value.TrimEnd('/')).ToHashSet(StringComparer.Ordinal);

        var actual = new[] { "Jobs", "Storage", "Worker" }
            .SelectMany(project => Directory.EnumerateDirectories(Path.Combine(root, project))
                .Where(d => Path.GetFileName(d) is not ("bin" or "obj") && Directory.EnumerateFiles(d, "*.cs", SearchOption.AllDirectories).Any())
                .Select(d => $"{project}/{Path.GetFileName(d)}"))
            .ToHashSet(StringComparer.Ordinal);
        Assert.Empty(actual.Except(listed).Order(StringComparer.Ordinal));
        var stale = listed.Where(p => p.Contains('/', StringComparison.Ordinal) && !Directory.Exists(Path.Combine(root, p))).Order(StringComparer.Ordinal);
        Assert.Empty(stale);
    }

    /// <summary>A table row's first cell: | `Jobs/Model/` | ...</summary>
    [GeneratedRegex(@"^\| `(?<path>[A-Za-z]+(/[A-Za-z]+)*/?)` \|", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex Row();

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ScoreBatch.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException($"no ScoreBatch.sln above {AppContext.BaseDirectory}");
    }
}
