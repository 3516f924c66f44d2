using System.Text.RegularExpressions;

namespace ScoreBatch.Jobs.Tests.Architecture;

/// <summary>
/// GPU readiness without a GPU: on a CUDA machine a tensor created without a device lands on the CPU, and the first
/// operation that mixes it with the model's tensors fails ("expected all tensors to be on the same device"), on a
/// path CI never runs. So every torch factory call in the job code (tensor, zeros, ones, empty, full, rand, randn,
/// randint, arange, linspace, eye) either names its device in the same statement (a <c>device:</c> argument or a
/// <c>.to(...)</c>), builds from an existing tensor (<c>*_like</c>), or carries a <c>// device:</c> comment on its
/// line or the line above saying why the CPU is right there (seeded draws moved by the caller, module construction
/// before <c>model.to(device)</c>, host-side checks). CPU-only folders (previews, synthetic data, evaluation, interop
/// files) are not job math and are left out. Infra/scripts/gpu-check.sh is the same check run for real on a GPU.
/// </summary>
public sealed partial class DevicePlacementTests
{
    private static readonly string[] CpuOnlyFolders = ["Previews", "Synthetic", "Evaluation", "Interop"];

    [Fact]
    public void TorchFactoryCalls_InJobCode_NameTheirDeviceOrSayWhyCpu()
    {
        var root = Path.Combine(NamespaceCycleTests.RepositoryRoot(), "Jobs");
        var problems = new List<string>();
        var calls = 0;
        foreach (var file in Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(root, file);
            var top = relative.Split(Path.DirectorySeparatorChar)[0];
            if (top is "bin" or "obj" || CpuOnlyFolders.Contains(top)) continue;
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                var code = StripComment(lines[i]); // doc and line comments are not code
                foreach (Match m in Factory().Matches(code))
                {
                    calls++;
                    var statement = Statement(lines, i, m.Index);
                    if (statement.Contains("device", StringComparison.Ordinal) || statement.Contains(".to(", StringComparison.Ordinal)) continue;
                    if (lines[i].Contains("// device:", StringComparison.Ordinal) || (i > 0 && lines[i - 1].Contains("// device:", StringComparison.Ordinal))) continue;
                    problems.Add($"Jobs/{relative.Replace('\\', '/')}:{i + 1}: {m.Groups["name"].Value}(...) names no device: pass one, .to(device), or say why the CPU is right with a '// device:' comment");
                }
            }
        }
        Assert.True(calls > 20, $"only {calls} factory calls found: the scan is not reading the job code");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Scan_FactoryCallWithoutDevice_IsFound()
    {
        // The pattern itself: a bare call is a candidate, a method of that name on an object or a longer name is not.
        Assert.Matches(Factory(), "var x = zeros(3, 4);");
        Assert.Matches(Factory(), "return randn(shape, generator: g);");
        Assert.DoesNotMatch(Factory(), "var x = y.zeros_like();");
        Assert.DoesNotMatch(Factory(), "var u = torch.nn.functional.pad(x);");
        Assert.DoesNotMatch(Factory(), "var n = Measurements.full(3);");
        Assert.DoesNotMatch(Factory(), "var z = ones_like(x);");
    }

    /// <summary>A bare call of a torch factory (not a member access, not part of a longer name).</summary>
    [GeneratedRegex(@"(?<![\w.])(?<name>tensor|zeros|ones|empty|full|rand|randn|randint|arange|linspace|eye)\s*\(", RegexOptions.CultureInvariant)]
    private static partial Regex Factory();

    /// <summary>The code of line <paramref name="line"/> from <paramref name="start"/> to the end of its statement (up to 6 lines).</summary>
    private static string Statement(string[] lines, int line, int start)
    {
        var text = StripComment(lines[line])[start..];
        for (var j = line + 1; !text.Contains(';', StringComparison.Ordinal) && j < Math.Min(lines.Length, line + 6); j++) text += " " + StripComment(lines[j]);
        var end = text.IndexOf(';', StringComparison.Ordinal);
        return end >= 0 ? text[..end] : text;
    }

    private static string StripComment(string line)
    {
        var i = line.IndexOf("//", StringComparison.Ordinal);
        return i >= 0 ? line[..i] : line;
    }
}
