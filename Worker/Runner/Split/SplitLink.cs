using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Jobs.Kinds.Score.Split;

namespace ScoreBatch.Worker.Runner.Split;

/// <summary>What the runner reads of a score request's split params, without its handler: a parent
/// (params.split) or a child (params.split_of + params.part, set by the fan-out).</summary>
public static class SplitLink
{
    /// <summary>True for a score job the runner fans out instead of running (params.split, and not a child).</summary>
    public static bool IsParent(JobRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Kind == JobKinds.Score && request.Params.Has("split") && !request.Params.Has("split_of");
    }

    /// <summary>The parent's output prefix and this child's part number, or null when the request is not a child.</summary>
    public static (string ParentOutput, int Part)? ParentOf(JobRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Kind != JobKinds.Score || !request.Params.Has("split_of") || !request.Params.Has("part")) return null;
        return (request.Params.GetString("split_of", ""), request.Params.GetInt32("part", 0, 0, SplitNames.MaxParts - 1));
    }

    /// <summary>The parent output of a child known only by its id and output (a message given up before it parsed
    /// far enough for params), or null: the id must be "&lt;parent&gt;/part-N" and the output "&lt;parent output&gt;/parts/part-N".</summary>
    public static string? ParentOutputOf(string? jobId, string? output)
    {
        if (jobId is null || output is null || SplitNames.ParsePartId(jobId) is not { } id) return null;
        var suffix = "/" + SplitNames.PartFolder(id.Index);
        var trimmed = output.TrimEnd('/');
        return trimmed.EndsWith(suffix, StringComparison.Ordinal) && trimmed.Length > suffix.Length ? trimmed[..^suffix.Length] : null;
    }
}
