using ScoreBatch.Storage.Abstractions;
using ScoreBatch.Storage.Status;

namespace ScoreBatch.Worker.Cli;

/// <summary>The "id-or-output" argument of `status` and `cancel`: an output prefix (it has a '/') or a job id looked up in <see cref="JobIndex"/>.</summary>
internal static class JobTarget
{
    /// <summary>The output prefix, or null (with the one-line error printed) when the id was never submitted here.</summary>
    public static async Task<string?> ResolveAsync(IArtifactStore store, string value, string verb, CancellationToken ct)
    {
        var output = value.Contains('/', StringComparison.Ordinal) ? value.TrimEnd('/') : await JobIndex.FindOutputAsync(store, value, ct).ConfigureAwait(false);
        if (output is null)
            await Console.Error.WriteLineAsync($"{verb}: no job with id '{value}' was submitted here; pass its output prefix instead").ConfigureAwait(false);
        return output;
    }
}
