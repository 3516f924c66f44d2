using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Storage.Abstractions;

namespace ScoreBatch.Jobs.Handlers;

/// <summary>Validation of the "container/path" names a job message carries (input, output, model).</summary>
public static class JobNames
{
    /// <summary>
    /// Checks a "container/path" name by the storage adapters' own rules (<see cref="ArtifactPath"/>), so a bad name
    /// fails validation naming <paramref name="field"/>, not half-way through a run.
    /// </summary>
    public static string Check(string field, string? name, bool requireBlobName)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new JobValidationException(field, "is required");
        var problem = ArtifactPath.Check(name, requireBlobName);
        return problem is null ? name : throw new JobValidationException(field, problem);
    }
}
