using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Scoring;

/// <summary>
/// Long-lived threads ("lanes") that score CPU batches side by side, each with few intra-op threads, instead of one
/// batch at a time spread over every core. Small images (32² and below) make small matrix products: splitting each
/// over all cores costs a synchronisation per operation, and on a machine that also moves data (the queue worker,
/// Azurite, uploads) one preempted OpenMP thread stalls its whole team at every barrier. Independent lanes do not
/// wait for each other. Measured on 2 cores, default 32² mixer, batch 64: one batch on 2 threads 2,076 images/s,
/// two lanes of 1 thread 2,281; with a process busy 10 % of one core beside them, 1,880 against 2,175. At 64² the
/// two are level (550 against 541).
/// <para>
/// Lanes = min(T, <see cref="MaxLanes"/>) and threads per lane = T / lanes, where T is torch's intra-op thread count
/// when the lanes start. torch keeps the thread count as a process-wide default that threads pick up when they first
/// use torch, so the lanes set their own count and then the default is put back for every other thread.
/// </para>
/// </summary>
public sealed class ScoringLanes
{
    /// <summary>At most this many lanes; more cores give each lane more threads.</summary>
    public const int MaxLanes = 4;

    private static readonly Lazy<ScoringLanes> SharedLanes = new(() => new ScoringLanes(get_num_threads()), LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly BlockingCollection<Work> _queue = [];

    private ScoringLanes(int torchThreads)
    {
        Count = Math.Clamp(torchThreads, 1, MaxLanes);
        ThreadsPerLane = Math.Max(1, torchThreads / Count);
        using var ready = new CountdownEvent(Count);
        var failures = new ConcurrentQueue<Exception>();
        for (int lane = 0; lane < Count; lane++)
        {
            new Thread(() => Serve(ready, failures)) { IsBackground = true, Name = $"scoring-lane-{lane}" }.Start();
        }
        ready.Wait();
        set_num_threads(torchThreads); // the process-wide default again, for threads that start using torch later
        if (failures.TryDequeue(out var failure)) ExceptionDispatchInfo.Throw(failure);
    }

    /// <summary>The process's lanes, started on first use from torch's intra-op thread count at that moment.</summary>
    public static ScoringLanes Shared => SharedLanes.Value;

    /// <summary>Number of lanes.</summary>
    public int Count { get; }

    /// <summary>Intra-op threads of each lane.</summary>
    public int ThreadsPerLane { get; }

    /// <summary>
    /// Calls <paramref name="body"/> for every index in [0, <paramref name="count"/>) on the lanes (indices are taken in
    /// order) and returns when all are done. After a failure no further index is started; the failure of the lowest
    /// index is rethrown, which is the one a sequential loop would have met first. Cancellation is checked before
    /// each index and surfaces as <see cref="OperationCanceledException"/> when nothing failed.
    /// </summary>
    public void Run(int count, Action<int> body, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count == 0) return;
        var work = new Work(count, body, Math.Min(Count, count), cancellationToken);
        for (int i = 0; i < work.Lanes; i++) _queue.Add(work, CancellationToken.None);
        work.Done.Wait(CancellationToken.None);
        var failed = work.Failures.Keys.DefaultIfEmpty(-1).Min();
        if (failed >= 0) ExceptionDispatchInfo.Throw(work.Failures[failed]);
        cancellationToken.ThrowIfCancellationRequested();
    }

    private void Serve(CountdownEvent ready, ConcurrentQueue<Exception> failures)
    {
        try
        {
            _ = get_num_threads(); // torch's per-thread set-up first, or it would later reset the count set next
            set_num_threads(ThreadsPerLane);
        }
        catch (Exception e)
        {
            failures.Enqueue(e); // rethrown by the constructor; this lane ends
            return;
        }
        finally
        {
            ready.Signal();
        }
        foreach (var work in _queue.GetConsumingEnumerable()) work.Drain();
    }

    private sealed class Work(int count, Action<int> body, int lanes, CancellationToken cancellationToken)
    {
        private int _next = -1;
        private volatile bool _stop;

        public int Lanes { get; } = lanes;

        public CountdownEvent Done { get; } = new(lanes);

        public ConcurrentDictionary<int, Exception> Failures { get; } = new();

        public void Drain()
        {
            try
            {
                while (!_stop && !cancellationToken.IsCancellationRequested)
                {
                    int index = Interlocked.Increment(ref _next);
                    if (index >= count) break;
                    try
                    {
                        body(index);
                    }
                    catch (Exception e)
                    {
                        Failures[index] = e;
                        _stop = true;
                    }
                }
            }
            finally
            {
                Done.Signal();
            }
        }
    }
}
