namespace ScoreBatch.Storage.Hosting;

/// <summary>
/// How to reach storage (section "ScoreBatch:Storage"). Default: the local development storage (Azurite on
/// 127.0.0.1:10000/10001 with the well-known devstoreaccount1 key). Production: a connection string, or service
/// URLs with DefaultAzureCredential (managed identity / workload identity; no key in configuration).
/// </summary>
public sealed record StorageConnectionOptions
{
    public const string SectionName = "ScoreBatch:Storage";

    /// <summary>The Azure SDK's shorthand for the local emulator on its default ports.</summary>
    public const string DevelopmentStorage = "UseDevelopmentStorage=true";

    /// <summary>Used when no service URL is set. Never logged.</summary>
    public string ConnectionString { get; set; } = DevelopmentStorage;

    /// <summary>Blob endpoint (https://ACCOUNT.blob.core.windows.net) for token authentication; overrides the connection string.</summary>
    public Uri? BlobServiceUri { get; set; }

    /// <summary>Queue endpoint (https://ACCOUNT.queue.core.windows.net) for token authentication; overrides the connection string.</summary>
    public Uri? QueueServiceUri { get; set; }

    /// <summary>When set, artifacts are files under this folder instead of blobs (the queue stays on storage).</summary>
    public string? LocalArtifactRoot { get; set; }

    /// <summary>True when token authentication is configured.</summary>
    public bool UsesTokenCredential => BlobServiceUri is not null || QueueServiceUri is not null;
}
