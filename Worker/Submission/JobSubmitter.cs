using System.Text;
using Microsoft.Extensions.Options;
using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Storage.Abstractions;
using ScoreBatch.Storage.Artifacts;
using ScoreBatch.Storage.Status;
using ScoreBatch.Worker.Runner;

namespace ScoreBatch.Worker.Submission;

/// <summary>
/// Puts a job on the queue the way clients should: first make sure the queue can be reached (a bad name or
/// unreachable storage fails before anything is written), then claim the output prefix ("&lt;output&gt;/_OWNER";
/// a prefix another job owns or finished is refused, its status.json untouched), then "&lt;output&gt;/status.json" =
/// queued (so `status` answers before any worker picks it up; the indexed status store also writes the id's
/// <see cref="JobIndex"/> entry), then
/// the schema-1 message, as plain JSON or base64 of it.
/// </summary>
public sealed class JobSubmitter(IJobQueueProvider queues, IArtifactStore store, IStatusStore status, IOptions<WorkerOptions> options,
    IOptions<JobLimits> limits, TimeProvider time)
{
    /// <summary>Sends <paramref name="request"/> with normal priority; returns the message body sent. Throws
    /// <see cref="OutputOwnedException"/> when another job owns the output.</summary>
    public Task<string> SubmitAsync(JobRequest request, bool base64, CancellationToken cancellationToken)
        => SubmitAsync(request, base64, JobPriority.Normal, cancellationToken);

    /// <summary>Sends <paramref name="request"/> to the queue of <paramref name="priority"/> (<see cref="PriorityQueues"/>).</summary>
    public async Task<string> SubmitAsync(JobRequest request, bool base64, JobPriority priority, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArtifactPath.Validate(request.Output, "output");
        var json = request.ToJson();
        var body = base64 ? Convert.ToBase64String(Encoding.UTF8.GetBytes(json)) : json;
        // The worker would poison it unread (and the queue service answers 413 with a page of headers).
        if (JobLimitChecks.CheckBody(body, limits.Value) is { } tooLarge)
            throw new JobValidationException("params", $"the message {tooLarge.Reason}");
        var queue = queues.GetQueue(PriorityQueues.QueueFor(options.Value.QueueName, priority));
        await queue.ApproximateCountAsync(cancellationToken).ConfigureAwait(false); // creates it when missing; proves storage answers

        // A finished output (its _SUCCESS names the owner, also from before owner records existed), then the claim.
        if (await ManifestWriter.ReadAsync(store, request.Output, cancellationToken).ConfigureAwait(false) is { } done && done.JobId != request.Id)
        {
            var finished = new OwnershipClaim(false, new OutputOwner(done.JobId, done.Kind, done.CompletedAt, OutputLayout.SuccessFile));
            throw new OutputOwnedException(request.Output, finished.Refusal(request.Output, request.Id));
        }
        var claim = await OutputOwnership.ClaimAsync(store, request.Output, request.Id, request.Kind, "submit", time, cancellationToken).ConfigureAwait(false);
        if (!claim.Owned) throw new OutputOwnedException(request.Output, claim.Refusal(request.Output, request.Id));

        // A new submission of a cancelled job means "run it": its old request must not drop it at once.
        if (await CancelRequest.ReadAsync(store, request.Output, cancellationToken).ConfigureAwait(false) is { } cancel && cancel.Stops(request.Id))
            await store.DeleteAsync(OutputLayout.CancelPath(request.Output), cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        // Through the indexed status store, this also writes the job's JobIndex entry.
        await status.UpdateAsync(request.Output, s => s is null || s.State is JobState.Failed or JobState.Cancelled || s.JobId != request.Id
            ? new JobStatus { JobId = request.Id, Kind = request.Kind, State = JobState.Queued, CreatedAt = now, UpdatedAt = now }
            : s with { UpdatedAt = now }, cancellationToken).ConfigureAwait(false);
        await queue.SendAsync(body, cancellationToken).ConfigureAwait(false);
        return body;
    }
}
