using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Storage.Abstractions;
using ScoreBatch.Storage.Formats;

namespace ScoreBatch.Jobs.Handlers;

/// <summary>
/// One input file: its full name, its name relative to the input prefix (used in ids and output names) and its size
/// in bytes as listed (what the score pipeline budgets its downloads by).
/// </summary>
public sealed record InputFile(string Path, string RelativeName, long Size = 0);

/// <summary>Finds the cutout files a job reads.</summary>
public static class JobInputs
{
    /// <summary>
    /// The supported cutout files: <paramref name="input"/> itself when it names one, else everything under
    /// "input/" outside the job's own <paramref name="output"/>, ordered by name. None is a validation error on "input".
    /// </summary>
    public static async Task<IReadOnlyList<InputFile>> ListCutoutFilesAsync(IArtifactStore store, string input, string output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var trimmed = input.TrimEnd('/');
        // Only a name inside a container can be a file; a bare container ("data") is a prefix and is listed.
        if (trimmed.Contains('/', StringComparison.Ordinal) && CutoutReader.IsSupported(trimmed))
        {
            var single = await store.GetInfoAsync(trimmed, cancellationToken).ConfigureAwait(false);
            if (single is not null) return [new InputFile(single.Path, single.Path[(single.Path.LastIndexOf('/') + 1)..], single.Size)];
        }
        var prefix = trimmed + "/";
        var outputPrefix = output.TrimEnd('/') + "/";
        var files = new List<InputFile>();
        await foreach (var info in store.ListAsync(prefix, cancellationToken).ConfigureAwait(false))
        {
            if (!CutoutReader.IsSupported(info.Path) || info.Path.StartsWith(outputPrefix, StringComparison.Ordinal)) continue;
            files.Add(new InputFile(info.Path, info.Path[prefix.Length..], info.Size));
        }
        if (files.Count == 0)
            throw new JobValidationException("input", $"no cutout files ({string.Join(", ", CutoutReader.SupportedExtensions)}) at or under '{input}'");
        return files;
    }

    /// <summary>
    /// Every cutout of <paramref name="files"/>, read in order under the job's limits (<see cref="JobCutoutReader"/>:
    /// per file, and the job-wide <see cref="JobContext.Cutouts"/>); a bad file is a validation error naming it. <paramref name="fileRead"/> gets (files done, cutouts so far) after
    /// each file, for progress. For jobs that need all their cutouts at once (train, calibrate); scoring streams.
    /// </summary>
    public static async Task<List<Cutout>> ReadAllCutoutsAsync(JobContext context, IReadOnlyList<InputFile> files,
        Action<int, int>? fileRead, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(files);
        var cutouts = new List<Cutout>();
        for (var i = 0; i < files.Count; i++)
        {
            var bytes = await context.Store.ReadAsync(files[i].Path, cancellationToken).ConfigureAwait(false);
            cutouts.AddRange(JobCutoutReader.Read(context, files[i], bytes.ToMemory().Span));
            fileRead?.Invoke(i + 1, cutouts.Count);
        }
        return cutouts;
    }

    /// <summary>"prefix/relative" with exactly one slash between.</summary>
    public static string Join(string prefix, string relative) => prefix.TrimEnd('/') + "/" + relative;
}
