using ScoreBatch.Storage.Abstractions;
using ScoreBatch.Storage.Status;

namespace ScoreBatch.Worker.Cli;

/// <summary>The "id-or-output" argument of `status` and `cancel`: an output prefix (it has a '/', unless it is a split job's child id) or a job id looked up in <see cref="JobIndex"/>.</summary>
internal static class JobTarget
{
    /// <summary>The output prefix, or null (with the one-line error printed) when the id was never submitted here.</summary>
    public static async Task<string?> ResolveAsync(IArtifactStore store, string value, string verb, CancellationToken ct)
    {
        // A split job's child id ("<id>/part-00003") holds a '/' but is looked up as an id first.
        var slash = value.Contains('/', StringComparison.Ordinal);
        var output = !slash || Jobs.Kinds.Score.Split.SplitNames.IsPartId(value) ? await JobIndex.FindOutputAsync(store, value, ct).ConfigureAwait(false) : null;
        if (output is null && slash) output = value.TrimEnd('/');
        if (output is null)
            await Console.Error.WriteLineAsync($"{verb}: no job with id '{value}' was submitted here; pass its output prefix instead").ConfigureAwait(false);
        return output;
    }
}
