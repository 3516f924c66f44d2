using System.Globalization;
using System.Text.RegularExpressions;
using ScoreBatch.Storage.Abstractions;

namespace ScoreBatch.Jobs.Kinds.Score.Split;

/// <summary>
/// The fixed names of a split score job (params.split): child ids "&lt;id&gt;/part-NNNNN", child outputs
/// "&lt;output&gt;/parts/part-NNNNN", and the runner's own files beside the parent's status.json: "_SPLIT" (the plan,
/// <see cref="SplitPlan"/>) and "_GATHER" (the gather claim). Part numbers start at 0 and have five digits.
/// </summary>
public static partial class SplitNames
{
    /// <summary>Folder under the parent's output that holds one output prefix per child.</summary>
    public const string PartsFolder = "parts";

    /// <summary>The plan: which input files each child scores, written once (If-None-Match: *).</summary>
    public const string PlanFile = "_SPLIT";

    /// <summary>The gather claim: the one child (or the parent) that writes the combined outputs.</summary>
    public const string GatherFile = "_GATHER";

    /// <summary>Most children one job may have (five digits).</summary>
    public const int MaxParts = 100_000;

    /// <summary>"part-00007" for part 7.</summary>
    public static string PartName(int index) => "part-" + index.ToString("D5", CultureInfo.InvariantCulture);

    /// <summary>"&lt;parent id&gt;/part-NNNNN".</summary>
    public static string PartId(string parentId, int index) => $"{parentId}/{PartName(index)}";

    /// <summary>"parts/part-NNNNN": a child's folder relative to the parent's output.</summary>
    public static string PartFolder(int index) => $"{PartsFolder}/{PartName(index)}";

    /// <summary>"&lt;parent output&gt;/parts/part-NNNNN".</summary>
    public static string PartOutput(string parentOutput, int index) => ArtifactPath.Combine(parentOutput, PartFolder(index));

    public static string PlanPath(string parentOutput) => ArtifactPath.Combine(parentOutput, PlanFile);

    public static string GatherPath(string parentOutput) => ArtifactPath.Combine(parentOutput, GatherFile);

    /// <summary>True when <paramref name="id"/> has the form of a child id ("&lt;parent&gt;/part-NNNNN").</summary>
    public static bool IsPartId(string id) => id is not null && PartIdPattern().IsMatch(id);

    /// <summary>The parent id and part number of a child id, or null for any other id.</summary>
    public static (string ParentId, int Index)? ParsePartId(string id)
    {
        if (id is null || PartIdPattern().Match(id) is not { Success: true } m) return null;
        return (m.Groups[1].Value, int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"^(.+)/part-([0-9]{5})$")]
    private static partial Regex PartIdPattern();
}
