using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Jobs.Handlers;
using ScoreBatch.Jobs.Kinds.Score;
using ScoreBatch.Jobs.Kinds.Score.Split;
using ScoreBatch.Storage.Abstractions;
using ScoreBatch.Storage.Artifacts;
using ScoreBatch.Storage.Status;

namespace ScoreBatch.Worker.Runner.Split;

/// <summary>
/// What the first worker to pick up a split score job (params.split) does instead of scoring it: writes the plan
/// ("&lt;output&gt;/_SPLIT", once, If-None-Match: *), records the parent running with its parts, sends each child that
/// has no status yet (or whose last run failed or was cancelled) to the parent's queue and then writes the child's
/// status.json queued, and deletes the parent's message. A child's status.json is the record that it was sent, so a
/// redelivered parent sends nothing twice; a crash between a child's send and its status costs one duplicate message,
/// which that child's own _OWNER/_SUCCESS checks absorb. Children already succeeded are counted into the parent and,
/// when that completes the set, the parent itself tries the gather (<see cref="SplitGather"/>).
/// </summary>
public sealed partial class SplitFanOut(IJobQueueProvider queues, IArtifactStore store, IStatusStore status, SplitGather gather, WorkerOptions options,
    TimeProvider time, ILogger logger)
{
    /// <summary>Children sent at once (each costs a status read, the send and a status write).</summary>
    private const int Parallel = 8;

    /// <summary>Fans <paramref name="request"/> out; every outcome (sent, given up, cancelled, retry) is made durable through <paramref name="outcomes"/>.</summary>
    public async Task RunAsync(MessageLease lease, JobRequest request, int attempt, OutcomeWriter outcomes, CancellationToken stopping)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(outcomes);
        try
        {
            await FanOutAsync(lease, request, attempt, outcomes, stopping).ConfigureAwait(false);
        }
        catch (JobValidationException e)
        {
            using var final = new CancellationTokenSource(options.FinalizeTimeout, time);
            await outcomes.GiveUpAsync(lease, request.Id, request.Kind, request.Output, e.Message, e.Field, 0, final.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !stopping.IsCancellationRequested)
        {
            using var final = new CancellationTokenSource(options.FinalizeTimeout, time);
            await outcomes.FailedAttemptAsync(lease, request, attempt, e, 0, null, final.Token).ConfigureAwait(false);
        }
    }

    private async Task FanOutAsync(MessageLease lease, JobRequest request, int attempt, OutcomeWriter outcomes, CancellationToken ct)
    {
        var output = request.Output;
        if ((await status.GetAsync(output, ct).ConfigureAwait(false))?.State is JobState.Succeeded or JobState.Failed or JobState.Cancelled)
        {
            LogEnded(logger, request.Id); // a late copy of a parent that has ended (a child failed it, or it was cancelled)
            await outcomes.AcknowledgeAsync(lease, ct).ConfigureAwait(false);
            return;
        }
        var plan = await PlanAsync(request, ct).ConfigureAwait(false);
        var parent = await status.UpdateAsync(output, s => SplitTransitions.FannedOut(s, request, plan.Parts.Count, time.GetUtcNow(), options.WorkerId), ct)
            .ConfigureAwait(false);
        if (await CancelRequest.ReadAsync(store, output, ct).ConfigureAwait(false) is { } cancel && cancel.Stops(request.Id))
        {
            await outcomes.CancelAsync(lease, request, new AttemptSettlement(JobState.Cancelled, attempt, 0, null, cancel.Reason, Finished: true), ct).ConfigureAwait(false);
            return;
        }

        var queue = queues.GetQueue(lease.QueueName); // children wait at the parent's priority
        var done = new ConcurrentBag<(int Part, long Cutouts)>();
        var sent = 0;
        await System.Threading.Tasks.Parallel.ForEachAsync(Enumerable.Range(0, plan.Parts.Count),
            new ParallelOptions { MaxDegreeOfParallelism = Parallel, CancellationToken = ct }, async (part, token) =>
            {
                var child = ChildOf(request, part);
                var current = await status.GetAsync(child.Output, token).ConfigureAwait(false);
                switch (current?.State)
                {
                    case JobState.Succeeded:
                        done.Add((part, current.Progress is { Unit: "cutouts" } p ? p.Done : 0));
                        return;
                    case JobState.Queued or JobState.Running:
                        return; // sent before (its status is written after its send)
                }
                // New, or its last run failed or was cancelled (the parent was submitted again): send it.
                if (current is not null && await CancelRequest.ReadAsync(store, child.Output, token).ConfigureAwait(false) is { } old && old.Stops(child.Id))
                    await store.DeleteAsync(OutputLayout.CancelPath(child.Output), token).ConfigureAwait(false);
                await queue.SendAsync(child.ToJson(), token).ConfigureAwait(false);
                var now = time.GetUtcNow();
                await status.UpdateAsync(child.Output, s => s is null || s.State is JobState.Failed or JobState.Cancelled
                    ? new JobStatus { JobId = child.Id, Kind = child.Kind, State = JobState.Queued, CreatedAt = now, UpdatedAt = now }
                    : s, token).ConfigureAwait(false);
                Interlocked.Increment(ref sent);
            }).ConfigureAwait(false);
        if (!done.IsEmpty)
        {
            parent = await status.UpdateAsync(output, s => done.Aggregate(s!, (acc, d) => SplitTransitions.PartSucceeded(acc, d.Part, d.Cutouts, time.GetUtcNow())), ct)
                .ConfigureAwait(false);
        }
        LogFannedOut(logger, request.Id, plan.Parts.Count, sent, done.Count, lease.QueueName);
        if (parent.Parts is { AllSucceeded: true } && parent.State is JobState.Running)
            await gather.TryGatherAsync(output, request.Id, request.Id, ct).ConfigureAwait(false);
        await outcomes.AcknowledgeAsync(lease, ct).ConfigureAwait(false);
    }

    /// <summary>The plan on record, or a new one from the input listing (sorted by name) written once.</summary>
    private async Task<SplitPlan> PlanAsync(JobRequest request, CancellationToken ct)
    {
        try
        {
            if (await SplitPlan.ReadAsync(store, request.Output, ct).ConfigureAwait(false) is { } existing) return existing;
        }
        catch (InvalidDataException e)
        {
            throw new JobValidationException(SplitNames.PlanFile, e.Message);
        }
        var args = ScoreJobArgs.From(request);
        var files = await JobInputs.ListCutoutFilesAsync(store, args.Input, args.Output, ct).ConfigureAwait(false);
        return await SplitPlan.Create(request.Id, args, files).WriteOnceAsync(store, request.Output, ct).ConfigureAwait(false);
    }

    /// <summary>Child <paramref name="part"/>: the parent's score job without params.split, with params.split_of and params.part.</summary>
    public static JobRequest ChildOf(JobRequest parent, int part)
    {
        ArgumentNullException.ThrowIfNull(parent);
        var p = (JsonObject)parent.Params.Node.DeepClone();
        p.Remove("split");
        p["split_of"] = parent.Output.TrimEnd('/');
        p["part"] = part;
        return new JobRequest
        {
            Id = SplitNames.PartId(parent.Id, part),
            Kind = parent.Kind,
            Input = parent.Input,
            Output = SplitNames.PartOutput(parent.Output.TrimEnd('/'), part),
            Model = parent.Model,
            Params = new JobParams(p),
        };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Split job {JobId}: {Parts} parts; sent {Sent} to {Queue}, {Done} already succeeded")]
    private static partial void LogFannedOut(ILogger logger, string jobId, int parts, int sent, int done, string queue);

    [LoggerMessage(Level = LogLevel.Information, Message = "Split job {JobId} has already ended; acknowledging this copy of its message")]
    private static partial void LogEnded(ILogger logger, string jobId);
}
