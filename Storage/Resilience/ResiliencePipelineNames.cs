namespace ScoreBatch.Storage.Resilience;

/// <summary>One named pipeline per failure domain; each wraps whole operations, not single HTTP requests.</summary>
public static class ResiliencePipelineNames
{
    /// <summary>Reading, listing and probing artifacts.</summary>
    public const string BlobRead = "blob-read";
    /// <summary>Writing and deleting artifacts (outputs, checkpoints, manifests).</summary>
    public const string BlobWrite = "blob-write";
    /// <summary>Reading and updating status.json.</summary>
    public const string Status = "status";
    /// <summary>Queue sends, receives, visibility updates and deletes.</summary>
    public const string Queue = "queue";

    public static IReadOnlyList<string> All { get; } = [BlobRead, BlobWrite, Status, Queue];
}
