using Microsoft.Extensions.Options;
using ScoreBatch.Storage.Abstractions;

namespace ScoreBatch.Worker.Runner;

/// <summary>Checks <see cref="WorkerOptions"/> at start; every message names the setting and the bad value.</summary>
public sealed class WorkerOptionsValidator : IValidateOptions<WorkerOptions>
{
    private static readonly string[] Devices = ["auto", "cpu", "cuda"];

    public ValidateOptionsResult Validate(string? name, WorkerOptions o)
    {
        var errors = new List<string>();
        void Check(bool ok, string message) { if (!ok) errors.Add(message); }
        const string S = WorkerOptions.SectionName;

        Check(ArtifactPath.IsValidContainerName(o.QueueName) && o.PoisonQueueName.Length <= 63,
            $"{S}:QueueName must be 3-56 characters of a-z, 0-9 and single hyphens (the poison queue adds '-poison'), got '{o.QueueName}'");
        // 1 s is the queue service's minimum; production keeps minutes (see WorkerOptions), crash tests use seconds.
        Check(o.VisibilityTimeout >= TimeSpan.FromSeconds(1) && o.VisibilityTimeout <= TimeSpan.FromDays(7),
            $"{S}:VisibilityTimeout must be between 00:00:01 and 7.00:00:00, got {o.VisibilityTimeout}");
        Check(o.PriorityWeightList is not null,
            $"{S}:PriorityWeights must be three whole numbers of 1-1000 (high, normal, low) such as 6,3,1, got '{o.PriorityWeights}'");
        Check(o.MaxAttempts is >= 1 and <= 100, $"{S}:MaxAttempts must be between 1 and 100, got {o.MaxAttempts}");
        Check(o.Concurrency is >= 1 and <= 32, $"{S}:Concurrency must be between 1 and 32, got {o.Concurrency}");
        Check(o.MinPollDelay > TimeSpan.Zero, $"{S}:MinPollDelay must be positive, got {o.MinPollDelay}");
        Check(o.MaxPollDelay >= o.MinPollDelay, $"{S}:MaxPollDelay ({o.MaxPollDelay}) must be at least MinPollDelay ({o.MinPollDelay})");
        Check(o.RetryBaseDelay >= TimeSpan.Zero, $"{S}:RetryBaseDelay must not be negative, got {o.RetryBaseDelay}");
        Check(o.ProgressInterval > TimeSpan.Zero && o.ProgressInterval <= o.RenewalInterval,
            $"{S}:ProgressInterval must be positive and at most half the VisibilityTimeout ({o.RenewalInterval}), got {o.ProgressInterval}");
        Check(o.ShutdownTimeout > TimeSpan.Zero, $"{S}:ShutdownTimeout must be positive, got {o.ShutdownTimeout}");
        Check(o.FinalizeTimeout > TimeSpan.Zero, $"{S}:FinalizeTimeout must be positive, got {o.FinalizeTimeout}");
        Check(Devices.Contains(o.Device), $"{S}:Device must be one of {string.Join(", ", Devices)}, got '{o.Device}'");
        Check(!string.IsNullOrWhiteSpace(o.CacheDirectory), $"{S}:CacheDirectory must be set");
        Check(!string.IsNullOrWhiteSpace(o.WorkerId) && o.WorkerId.Length <= 128, $"{S}:WorkerId must be 1-128 characters, got '{o.WorkerId}'");
        Check(o.MaxJobs >= 0, $"{S}:MaxJobs must be 0 (no limit) or more, got {o.MaxJobs}");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
