using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Training;

/// <summary>
/// The order in which training images are visited: a fresh random permutation every epoch, drawn from a generator
/// seeded by (seed, epoch) so that a position (epoch, offset) fully determines the rest of the run; the last
/// partial batch of each epoch is dropped.
/// </summary>
public sealed class EpochOrder
{
    private readonly long seed;
    private readonly long count;
    private readonly int batch;
    private long[] permutation = [];

    public EpochOrder(long seed, long count, int batch, long epoch = 0, long offset = 0)
    {
        if (batch <= 0) throw new ArgumentOutOfRangeException(nameof(batch), batch, "batch must be positive");
        if (count < batch)
            throw new ArgumentException($"the dataset holds {count} images, fewer than one batch of {batch}");
        if (epoch < 0 || offset < 0 || offset > count)
            throw new ArgumentException($"data position (epoch {epoch}, offset {offset}) is invalid for {count} images");
        this.seed = seed;
        this.count = count;
        this.batch = batch;
        Epoch = epoch;
        Offset = offset;
        permutation = Permutation(epoch);
    }

    /// <summary>Current epoch (0-based).</summary>
    public long Epoch { get; private set; }

    /// <summary>Images of the current epoch already handed out.</summary>
    public long Offset { get; private set; }

    /// <summary>The next batch's indices; starts a new epoch when fewer than a full batch remain.</summary>
    public long[] Next()
    {
        if (Offset + batch > count)
        {
            Epoch++;
            Offset = 0;
            permutation = Permutation(Epoch);
        }
        var indices = permutation.AsSpan((int)Offset, batch).ToArray();
        Offset += batch;
        return indices;
    }

    private long[] Permutation(long epoch)
    {
        // SplitMix-style mixing so neighbouring seeds and epochs give unrelated streams.
        var mixed = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)epoch * 0xBF58476D1CE4E5B9UL + 0x94D049BB133111EBUL);
        using var generator = new Generator(mixed);
        using var perm = randperm(count, generator: generator);
        return perm.data<long>().ToArray();
    }
}
