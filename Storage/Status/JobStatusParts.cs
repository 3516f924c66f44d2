namespace ScoreBatch.Storage.Status;

/// <summary>
/// The children of a split job as its status.json aggregates them (the "parts" object): how many there are, which
/// have succeeded (part numbers, ascending: a redelivered child is counted once), the cutouts those scored, and the
/// children given up, each with its reason.
/// </summary>
/// <param name="Total">Children in the plan.</param>
/// <param name="Succeeded">Part numbers of the children that succeeded.</param>
/// <param name="Cutouts">Cutouts scored by the succeeded children (the job's total once all have).</param>
/// <param name="Failed">Children given up (poisoned), or null when none.</param>
public sealed record JobStatusParts(int Total, IReadOnlyList<int> Succeeded, long Cutouts, IReadOnlyList<JobStatusPartFailure>? Failed = null)
{
    /// <summary>True when every child has succeeded.</summary>
    public bool AllSucceeded => Succeeded.Count >= Total;

    /// <summary>This record with part <paramref name="part"/> succeeded after scoring <paramref name="cutouts"/> (unchanged when it already was).</summary>
    public JobStatusParts WithSucceeded(int part, long cutouts) => Succeeded.Contains(part) ? this
        : this with { Succeeded = [.. Succeeded.Append(part).Order()], Cutouts = Cutouts + cutouts };

    /// <summary>This record with child <paramref name="id"/> given up for <paramref name="reason"/> (recorded once).</summary>
    public JobStatusParts WithFailed(string id, string reason) => Failed?.Any(f => f.Id == id) == true ? this
        : this with { Failed = [.. Failed ?? [], new JobStatusPartFailure(id, reason)] };
}

/// <summary>A child of a split job that was given up: its id and the reason its poison envelope carries.</summary>
public sealed record JobStatusPartFailure(string Id, string Reason);
