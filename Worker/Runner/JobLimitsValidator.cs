using Microsoft.Extensions.Options;

namespace ScoreBatch.Worker.Runner;

/// <summary>Checks <see cref="JobLimits"/> at start; every message names the setting, its range and the bad value.</summary>
public sealed class JobLimitsValidator : IValidateOptions<JobLimits>
{
    /// <summary>The queue service's limit on a message (64 KiB).</summary>
    public const int QueueMessageLimit = 64 * 1024;

    public ValidateOptionsResult Validate(string? name, JobLimits o)
    {
        ArgumentNullException.ThrowIfNull(o);
        var errors = new List<string>();
        void Check(bool ok, string message) { if (!ok) errors.Add(message); }
        const string S = JobLimits.SectionName;

        Check(o.MaxMessageBytes is >= 256 and <= QueueMessageLimit,
            $"{S}:MaxMessageBytes must be between 256 and {QueueMessageLimit} (the queue's limit), got {o.MaxMessageBytes}");
        Check(o.MaxCutoutSize is >= 4 and <= 16384, $"{S}:MaxCutoutSize must be between 4 and 16384 pixels, got {o.MaxCutoutSize}");
        Check(o.MaxCutoutsPerJob is >= 1 and <= 1_000_000_000, $"{S}:MaxCutoutsPerJob must be between 1 and 1000000000, got {o.MaxCutoutsPerJob}");
        Check(o.MaxSteps is >= 1 and <= 1_000_000_000, $"{S}:MaxSteps must be between 1 and 1000000000, got {o.MaxSteps}");
        // A file is held whole in one managed array.
        Check(o.MaxDownloadBytesPerFile >= 1 && o.MaxDownloadBytesPerFile <= Array.MaxLength,
            $"{S}:MaxDownloadBytesPerFile must be between 1 and {Array.MaxLength} (one in-memory array), got {o.MaxDownloadBytesPerFile}");
        // One .npz member is inflated into one managed array.
        Check(o.MaxDecompressedBytesPerFile >= 1 && o.MaxDecompressedBytesPerFile <= Array.MaxLength,
            $"{S}:MaxDecompressedBytesPerFile must be between 1 and {Array.MaxLength} (one in-memory array), got {o.MaxDecompressedBytesPerFile}");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
