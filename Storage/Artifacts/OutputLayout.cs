using ScoreBatch.Storage.Abstractions;

namespace ScoreBatch.Storage.Artifacts;

/// <summary>The fixed names inside a job's output prefix (see DESIGN.md, "Blob layout").</summary>
public static class OutputLayout
{
    /// <summary>The job's state, updated with ETag conditions.</summary>
    public const string StatusFile = "status.json";

    /// <summary>The manifest of outputs, written last; its presence means "done".</summary>
    public const string SuccessFile = "_SUCCESS";

    /// <summary>The job the prefix belongs to (<see cref="OutputOwner"/>), written once by the first claim.</summary>
    public const string OwnerFile = "_OWNER";

    /// <summary>A request to stop the job (<c>scorebatch cancel</c>), next to status.json; a running job observes it
    /// within one progress interval, a queued one is dropped when dequeued.</summary>
    public const string CancelFile = "_CANCEL";

    /// <summary>Folder for training checkpoints ("ckpt-00001000.ckpt" and "latest.json").</summary>
    public const string CheckpointsFolder = "checkpoints";

    public static string StatusPath(string output) => ArtifactPath.Combine(output, StatusFile);

    public static string SuccessPath(string output) => ArtifactPath.Combine(output, SuccessFile);

    public static string OwnerPath(string output) => ArtifactPath.Combine(output, OwnerFile);

    public static string CancelPath(string output) => ArtifactPath.Combine(output, CancelFile);

    /// <summary>"&lt;output&gt;/checkpoints": where a training handler saves and resumes.</summary>
    public static string CheckpointsPrefix(string output) => ArtifactPath.Combine(output, CheckpointsFolder);

    /// <summary>"&lt;output&gt;/" with exactly one trailing slash, for listings that must not match "&lt;output&gt;2/...".</summary>
    public static string ListingPrefix(string output) => output.TrimEnd('/') + "/";
}
