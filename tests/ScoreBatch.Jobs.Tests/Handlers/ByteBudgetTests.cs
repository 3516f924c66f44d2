using ScoreBatch.Jobs.Handlers;

namespace ScoreBatch.Jobs.Tests.Handlers;

public class ByteBudgetTests
{
    [Fact]
    public async Task Acquire_WaitsUntilTheBytesFit_AndServesWaitersInOrder()
    {
        var budget = new ByteBudget(100);
        await budget.AcquireAsync(60, CancellationToken.None);
        var second = budget.AcquireAsync(60, CancellationToken.None); // 120 > 100: waits
        var third = budget.AcquireAsync(10, CancellationToken.None);  // would fit, but waits its turn
        Assert.False(second.IsCompleted);
        Assert.False(third.IsCompleted);

        budget.Release(60);
        await second.WaitAsync(TimeSpan.FromSeconds(5));
        await third.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(70, budget.Held);
    }

    [Fact]
    public async Task Acquire_LargerThanTheBudget_GoesThroughAlone()
    {
        var budget = new ByteBudget(100);
        await budget.AcquireAsync(500, CancellationToken.None); // nothing held: allowed, alone
        var next = budget.AcquireAsync(1, CancellationToken.None);
        Assert.False(next.IsCompleted);
        budget.Release(500);
        await next.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(1, budget.Held);
    }

    [Fact]
    public async Task Acquire_Cancelled_ThrowsOperationCanceled()
    {
        var budget = new ByteBudget(10);
        await budget.AcquireAsync(10, CancellationToken.None);
        using var cts = new CancellationTokenSource();
        var waiting = budget.AcquireAsync(5, cts.Token);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
    }
}
