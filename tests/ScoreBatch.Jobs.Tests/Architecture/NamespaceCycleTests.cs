using System.Text.RegularExpressions;

namespace ScoreBatch.Jobs.Tests.Architecture;

/// <summary>
/// The folders of a project depend on each other in one direction only (Training uses Model, never the reverse), so
/// a part can be read, tested and replaced on its own. Dependencies are read from the sources: using directives and
/// names qualified by a sibling folder ("Anomaly.ResidualRegion"), doc comments included.
/// </summary>
public sealed partial class NamespaceCycleTests
{
    [Theory]
    [InlineData("Jobs", "ScoreBatch.Jobs")]
    [InlineData("Storage", "ScoreBatch.Storage")]
    [InlineData("Worker", "ScoreBatch.Worker")]
    public void ProjectFolders_DependOnEachOther_WithoutCycles(string project, string rootNamespace)
    {
        var root = Path.Combine(RepositoryRoot(), project);
        var folders = Directory.EnumerateDirectories(root)
            .Select(Path.GetFileName)
            .Where(n => n is not ("bin" or "obj") && Directory.EnumerateFiles(Path.Combine(root, n!), "*.cs", SearchOption.AllDirectories).Any())
            .Select(n => n!)
            .ToHashSet(StringComparer.Ordinal);
        var edges = folders.ToDictionary(f => f, _ => new HashSet<string>(StringComparer.Ordinal), StringComparer.Ordinal);
        foreach (var folder in folders)
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(root, folder), "*.cs", SearchOption.AllDirectories))
            {
                var text = File.ReadAllText(file);
                foreach (Match m in Reference().Matches(text))
                {
                    var target = m.Groups["ns"].Value;
                    if (m.Groups["root"].Success && m.Groups["root"].Value != rootNamespace + ".") continue;
                    if (target != folder && folders.Contains(target)) edges[folder].Add(target);
                }
            }
        }
        var cycle = FindCycle(edges);
        Assert.True(cycle is null, $"{project}: folders depend on each other in a cycle: {string.Join(" -> ", cycle ?? [])}");
    }

    /// <summary>"using ScoreBatch.Jobs.Model;", "ScoreBatch.Jobs.Model.X" or a bare "Model.X" (a sibling folder's type).</summary>
    [GeneratedRegex(@"(?<root>ScoreBatch\.[A-Z]\w*\.)(?<ns>[A-Z]\w*)|(?<![\w.])(?<ns>[A-Z]\w*)(?=\.[A-Z]\w*\b(?!\s*[({]))", RegexOptions.CultureInvariant)]
    private static partial Regex Reference();

    private static List<string>? FindCycle(Dictionary<string, HashSet<string>> edges)
    {
        var state = new Dictionary<string, int>(StringComparer.Ordinal); // 1 = on the path, 2 = done
        var path = new List<string>();
        List<string>? Visit(string node)
        {
            state[node] = 1;
            path.Add(node);
            foreach (var next in edges[node].Order(StringComparer.Ordinal))
            {
                if (state.GetValueOrDefault(next) == 1) return [.. path[path.IndexOf(next)..], next];
                if (state.GetValueOrDefault(next) == 0 && Visit(next) is { } found) return found;
            }
            path.RemoveAt(path.Count - 1);
            state[node] = 2;
            return null;
        }
        foreach (var node in edges.Keys.Order(StringComparer.Ordinal))
        {
            if (state.GetValueOrDefault(node) == 0 && Visit(node) is { } cycle) return cycle;
        }
        return null;
    }

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ScoreBatch.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException($"no ScoreBatch.sln above {AppContext.BaseDirectory}");
    }
}
