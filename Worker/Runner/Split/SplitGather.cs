using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Jobs.Kinds.Score.Split;
using ScoreBatch.Storage.Abstractions;
using ScoreBatch.Storage.Artifacts;
using ScoreBatch.Storage.Formats;
using ScoreBatch.Storage.Status;

namespace ScoreBatch.Worker.Runner.Split;

/// <summary>
/// The end of a split job, run by its children (docs/worker.md, "Split jobs"): a child that succeeded records itself
/// in the parent's status.json (an ETag-conditional update: each child once, whatever the redeliveries) and, when that
/// makes every child succeeded, claims "&lt;output&gt;/_GATHER" with If-None-Match: *. Only the claim's holder (the
/// claiming child id, or any redelivery of it) gathers: combined summary.csv, features.csv and previews
/// (<see cref="ScoreGather"/>), written with If-None-Match: * (the same bytes whoever writes them), then the parent's
/// _SUCCESS, then its status succeeded. The holder's message is deleted only after that, so a holder that dies
/// mid-gather is redelivered and gathers again; a child given up fails the parent, naming the child.
/// </summary>
public sealed partial class SplitGather(IArtifactStore store, IStatusStore status, WorkerOptions options, ArrayLimits limits, TimeProvider time, ILogger logger)
{
    /// <summary>Records child <paramref name="child"/> as succeeded and gathers when it completes the set. Throws when a write fails (the caller releases the child's message for a retry).</summary>
    public async Task ChildSucceededAsync(JobRequest child, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(child);
        if (SplitLink.ParentOf(child) is not { } link) return;
        var cutouts = await CutoutsOfAsync(child.Output, ct).ConfigureAwait(false);
        var parent = await RecordAsync(link.ParentOutput, s => SplitTransitions.PartSucceeded(s, link.Part, cutouts, time.GetUtcNow()), ct).ConfigureAwait(false);
        if (parent.State is not (JobState.Running or JobState.Queued) || parent.Parts is not { AllSucceeded: true }) return;
        await TryGatherAsync(link.ParentOutput, parent.JobId, child.Id, ct).ConfigureAwait(false);
    }

    /// <summary>Rows of the child's summary.csv: its cutouts, whatever its status.json last recorded (a child that died
    /// between its _SUCCESS and its status has older progress there).</summary>
    private async Task<long> CutoutsOfAsync(string childOutput, CancellationToken ct)
    {
        var summary = await store.ReadAsync(ArtifactPath.Combine(childOutput, Jobs.Scoring.ScoreShards.SummaryFile), ct).ConfigureAwait(false);
        var rows = summary.ToMemory().Span.Count((byte)'\n') - 1; // header line, then one line per cutout, each ending in \n
        return Math.Max(0, rows);
    }

    /// <summary>
    /// An update of the parent's status.json. Every child that finishes writes there, so many finishing at once can
    /// lose the ETag race more often than one read-modify-write allows: each lost round set is tried again after a
    /// short random pause (at most <see cref="ConflictSets"/> sets) before it counts as a failure.
    /// </summary>
    private async Task<JobStatus> RecordAsync(string parentOutput, Func<JobStatus, JobStatus> update, CancellationToken ct)
    {
        for (var set = 1; ; set++)
        {
            try
            {
                return await status.UpdateAsync(parentOutput, s => s is null ? Missing(parentOutput) : update(s), ct).ConfigureAwait(false);
            }
            catch (StatusConflictException) when (set < ConflictSets)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(50, 50 * (1 << Math.Min(set, 5)))), time, ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Sets of conflict rounds a parent's status update gets (each set is <see cref="BlobStatusStore.MaxConflictRounds"/> rounds).</summary>
    private const int ConflictSets = 6;

    /// <summary>A child was given up: the parent fails with its name and reason (its other children run to their end; no gather follows).</summary>
    public async Task ChildGivenUpAsync(string childId, string parentOutput, string reason, CancellationToken ct)
    {
        if (await status.GetAsync(parentOutput, ct).ConfigureAwait(false) is null) return; // not a child any split job sent
        var parent = await RecordAsync(parentOutput, s => SplitTransitions.PartFailed(s, childId, reason, time.GetUtcNow(), options.WorkerId), ct).ConfigureAwait(false);
        LogPartFailed(logger, parent.JobId, childId, reason);
    }

    /// <summary>
    /// Gathers the job at <paramref name="parentOutput"/> when <paramref name="claimant"/> holds (or wins) the claim and
    /// the job is neither finished nor cancelled; returns whether this call wrote (or found) the parent's manifest.
    /// </summary>
    public async Task<bool> TryGatherAsync(string parentOutput, string parentId, string claimant, CancellationToken ct)
    {
        if (await ManifestWriter.ExistsAsync(store, parentOutput, ct).ConfigureAwait(false))
        {
            await MarkGatheredAsync(parentOutput, ct).ConfigureAwait(false); // a gather that died between the manifest and the status
            return true;
        }
        if (await CancelRequest.ReadAsync(store, parentOutput, ct).ConfigureAwait(false) is { } cancel && cancel.Stops(parentId)) return false;
        var holder = await ClaimAsync(parentOutput, claimant, ct).ConfigureAwait(false);
        if (holder != claimant)
        {
            LogClaimedElsewhere(logger, parentId, holder);
            return false;
        }
        var plan = await SplitPlan.ReadAsync(store, parentOutput, ct).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"'{SplitNames.PlanPath(parentOutput)}' is missing: a split job's plan is written before any child is sent");
        LogGathering(logger, parentId, plan.Parts.Count, claimant);
        var started = time.GetTimestamp();
        var files = await ScoreGather.CombineAsync(store, parentOutput, plan, limits, ct).ConfigureAwait(false);
        var written = new Dictionary<string, WrittenFile>(StringComparer.Ordinal);
        foreach (var (relative, bytes) in files)
        {
            var path = ArtifactPath.Combine(parentOutput, relative);
            var content = BinaryData.FromBytes(bytes);
            // Deterministic bytes: what an earlier, interrupted gather wrote is what this one would write.
            await store.WriteAsync(path, content, overwrite: false, ct).ConfigureAwait(false);
            written[path] = WrittenFile.Of(content);
        }
        // The parent's manifest lists the combined files and each child's own manifest (which lists that child's files).
        var listed = files.Select(f => f.RelativePath)
            .Concat(Enumerable.Range(0, plan.Parts.Count).Select(p => $"{SplitNames.PartFolder(p)}/{OutputLayout.SuccessFile}"));
        await ManifestWriter.WriteAsync(store, parentOutput, parentId, JobKinds.Score, time, listed, ct, written).ConfigureAwait(false);
        await MarkGatheredAsync(parentOutput, ct).ConfigureAwait(false);
        var seconds = time.GetElapsedTime(started).TotalSeconds;
        LogGathered(logger, parentId, files.Count, seconds);
        return true;
    }

    /// <summary>The claim's holder: <paramref name="claimant"/> when it wrote the claim (or had written it before), else whoever did.</summary>
    private async Task<string> ClaimAsync(string parentOutput, string claimant, CancellationToken ct)
    {
        var path = SplitNames.GatherPath(parentOutput);
        var claim = new JsonObject { ["jobId"] = claimant, ["workerId"] = options.WorkerId, ["claimedAt"] = time.GetUtcNow().ToString("O") };
        if (await store.WriteAsync(path, BinaryData.FromString(claim.ToJsonString()), overwrite: false, ct).ConfigureAwait(false)) return claimant;
        var existing = await store.TryReadAsync(path, ct).ConfigureAwait(false);
        try
        {
            return existing is null ? "(gone)" : JsonNode.Parse(existing.Content.ToString())?["jobId"]?.GetValue<string>() ?? "(unreadable)";
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException)
        {
            return "(unreadable)";
        }
    }

    private Task<JobStatus> MarkGatheredAsync(string parentOutput, CancellationToken ct) =>
        RecordAsync(parentOutput, s => s.State == JobState.Succeeded ? s : SplitTransitions.Gathered(s, time.GetUtcNow(), options.WorkerId), ct);

    private static JobStatus Missing(string parentOutput) =>
        throw new InvalidOperationException($"'{OutputLayout.StatusPath(parentOutput)}' is missing: a split job's status is written before any child is sent");

    [LoggerMessage(Level = LogLevel.Information, Message = "Split job {JobId}: every one of its {Parts} parts succeeded; {Claimant} gathers")]
    private static partial void LogGathering(ILogger logger, string jobId, int parts, string claimant);

    [LoggerMessage(Level = LogLevel.Information, Message = "Split job {JobId} gathered: {FileCount} combined files in {Seconds:F2} s")]
    private static partial void LogGathered(ILogger logger, string jobId, int fileCount, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Split job {JobId}: the gather is claimed by {Holder}; leaving it to that job")]
    private static partial void LogClaimedElsewhere(ILogger logger, string jobId, string holder);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Split job {JobId} failed: its part {ChildId} was given up ({Reason})")]
    private static partial void LogPartFailed(ILogger logger, string jobId, string childId, string reason);
}
