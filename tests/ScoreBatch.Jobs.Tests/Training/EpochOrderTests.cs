using ScoreBatch.Jobs.Training;

namespace ScoreBatch.Jobs.Tests.Training;

public class EpochOrderTests
{
    [Fact]
    public void Next_TenImagesBatchFour_DropsPartialBatchAndReshuffles()
    {
        // 10 images, batch 4: two batches (8 distinct images) per epoch, the 2 left over are dropped.
        var order = new EpochOrder(seed: 7, count: 10, batch: 4);
        var epoch0 = order.Next().Concat(order.Next()).ToArray();
        Assert.Equal(8, epoch0.Distinct().Count());
        Assert.All(epoch0, i => Assert.InRange(i, 0, 9));
        var first1 = order.Next();
        Assert.Equal(1, order.Epoch);
        Assert.Equal(4, order.Offset);
        var second1 = order.Next();
        Assert.NotEqual(epoch0, first1.Concat(second1).ToArray()); // a new permutation (fails with probability ~1/10!·2!)
    }

    [Fact]
    public void Next_RestoredPosition_ContinuesTheSameSequence()
    {
        // (seed, epoch, offset) determines the rest of the run: this is what exact resume relies on.
        var full = new EpochOrder(3, 20, 6);
        for (var i = 0; i < 4; i++) full.Next();
        var resumed = new EpochOrder(3, 20, 6, full.Epoch, full.Offset);
        for (var i = 0; i < 5; i++) Assert.Equal(full.Next(), resumed.Next());
    }

    [Fact]
    public void Constructor_FewerImagesThanBatch_ThrowsNamingCounts()
    {
        var e = Assert.Throws<ArgumentException>(() => new EpochOrder(0, 3, 8));
        Assert.Contains("3", e.Message);
        Assert.Contains("8", e.Message);
    }
}
