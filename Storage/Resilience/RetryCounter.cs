namespace ScoreBatch.Storage.Resilience;

/// <summary>
/// Counts retries made by the storage pipelines for the operation in progress. The runner opens a scope per job
/// attempt (<see cref="BeginScope"/>); it flows with the async context into the handler, so every retry the job's
/// storage calls make lands in that job's count, which status.json records.
/// </summary>
public static class RetryCounter
{
    private static readonly AsyncLocal<Scope?> Current = new();

    /// <summary>Starts counting for the current async flow until the returned scope is disposed.</summary>
    public static Scope BeginScope()
    {
        var scope = new Scope(Current.Value);
        Current.Value = scope;
        return scope;
    }

    /// <summary>Called by the pipelines' OnRetry; counts into the innermost open scope, if any.</summary>
    public static void Record(string pipeline)
    {
        StorageMetrics.Retries.Add(1, new KeyValuePair<string, object?>("pipeline", pipeline));
        Current.Value?.Add(pipeline);
    }

    /// <summary>A retry count for one async flow, broken down by pipeline.</summary>
    public sealed class Scope : IDisposable
    {
        private readonly Scope? _parent;
        private readonly Dictionary<string, int> _byPipeline = new(StringComparer.Ordinal);
        private readonly Lock _gate = new();
        private int _total;

        internal Scope(Scope? parent) => _parent = parent;

        public int Total => Volatile.Read(ref _total);

        public IReadOnlyDictionary<string, int> ByPipeline
        {
            get { lock (_gate) return new Dictionary<string, int>(_byPipeline); }
        }

        internal void Add(string pipeline)
        {
            Interlocked.Increment(ref _total);
            lock (_gate) _byPipeline[pipeline] = _byPipeline.GetValueOrDefault(pipeline) + 1;
        }

        public void Dispose()
        {
            if (Current.Value == this) Current.Value = _parent;
        }
    }
}
