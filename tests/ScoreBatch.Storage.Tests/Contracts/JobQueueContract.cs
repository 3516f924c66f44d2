using ScoreBatch.Storage.Abstractions;

namespace ScoreBatch.Storage.Tests.Contracts;

/// <summary>The behaviour every <see cref="IJobQueue"/> must show (Azure Storage queue semantics); run against each adapter.</summary>
public abstract class JobQueueContract
{
    /// <summary>A fresh, empty queue.</summary>
    protected abstract IJobQueue Queue { get; }

    /// <summary>Lets <paramref name="duration"/> pass on the queue's clock (a fake clock, or real time for Azurite).</summary>
    protected abstract Task PassTimeAsync(TimeSpan duration);

    /// <summary>Bounds each test: a hung storage call fails the test instead of the run.</summary>
    protected CancellationToken Ct { get; } = new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    private static readonly TimeSpan Visibility = TimeSpan.FromSeconds(1);

    [Theory]
    [InlineData("{\"schema\":1,\"id\":\"é-ü\",\"kind\":\"train\"}")]
    [InlineData("eyJzY2hlbWEiOjF9")]
    public async Task SendAsync_Body_ReceivedExactlyAsSent(string body)
    {
        await Queue.SendAsync(body, Ct);
        var m = Assert.Single(await Queue.ReceiveAsync(1, Visibility, Ct));
        Assert.Equal(body, m.Body);
        Assert.Equal(1, m.DequeueCount);
        Assert.False(string.IsNullOrEmpty(m.PopReceipt));
    }

    [Fact]
    public async Task ReceiveAsync_EmptyQueue_ReturnsNothing()
        => Assert.Empty(await Queue.ReceiveAsync(1, Visibility, Ct));

    [Fact]
    public async Task ReceiveAsync_Received_HiddenUntilVisibilityPassesThenRedelivered()
    {
        await Queue.SendAsync("job", Ct);
        var first = Assert.Single(await Queue.ReceiveAsync(1, Visibility, Ct));
        Assert.Empty(await Queue.ReceiveAsync(1, Visibility, Ct));
        await PassTimeAsync(TimeSpan.FromSeconds(1.5));
        var second = Assert.Single(await Queue.ReceiveAsync(1, Visibility, Ct));
        Assert.Equal(first.MessageId, second.MessageId);
        Assert.Equal(2, second.DequeueCount);
        Assert.NotEqual(first.PopReceipt, second.PopReceipt);
    }

    [Fact]
    public async Task UpdateVisibilityAsync_Extends_MessageStaysHiddenAndNewReceiptDeletes()
    {
        await Queue.SendAsync("job", Ct);
        var m = Assert.Single(await Queue.ReceiveAsync(1, Visibility, Ct));
        var receipt = await Queue.UpdateVisibilityAsync(m.MessageId, m.PopReceipt, TimeSpan.FromSeconds(30), Ct);
        Assert.NotEqual(m.PopReceipt, receipt);
        await PassTimeAsync(TimeSpan.FromSeconds(1.5));
        Assert.Empty(await Queue.ReceiveAsync(1, Visibility, Ct));
        await Queue.DeleteAsync(m.MessageId, receipt, Ct);
        Assert.Equal(0, await Queue.ApproximateCountAsync(Ct));
    }

    [Fact]
    public async Task UpdateVisibilityAsync_Zero_MakesMessageVisibleNow()
    {
        await Queue.SendAsync("job", Ct);
        var m = Assert.Single(await Queue.ReceiveAsync(1, TimeSpan.FromSeconds(30), Ct));
        await Queue.UpdateVisibilityAsync(m.MessageId, m.PopReceipt, TimeSpan.Zero, Ct);
        var again = Assert.Single(await Queue.ReceiveAsync(1, Visibility, Ct));
        Assert.Equal(m.MessageId, again.MessageId);
    }

    [Fact]
    public async Task DeleteAsync_StaleReceiptAfterRedelivery_ThrowsMessageLost()
    {
        await Queue.SendAsync("job", Ct);
        var first = Assert.Single(await Queue.ReceiveAsync(1, Visibility, Ct));
        await PassTimeAsync(TimeSpan.FromSeconds(1.5));
        Assert.Single(await Queue.ReceiveAsync(1, TimeSpan.FromSeconds(30), Ct));
        var e = await Assert.ThrowsAsync<MessageLostException>(() => Queue.DeleteAsync(first.MessageId, first.PopReceipt, Ct));
        Assert.Equal(first.MessageId, e.MessageId);
    }

    [Fact]
    public async Task UpdateVisibilityAsync_StaleReceiptAfterUpdate_ThrowsMessageLost()
    {
        await Queue.SendAsync("job", Ct);
        var m = Assert.Single(await Queue.ReceiveAsync(1, TimeSpan.FromSeconds(30), Ct));
        await Queue.UpdateVisibilityAsync(m.MessageId, m.PopReceipt, TimeSpan.FromSeconds(30), Ct);
        await Assert.ThrowsAsync<MessageLostException>(() => Queue.UpdateVisibilityAsync(m.MessageId, m.PopReceipt, TimeSpan.FromSeconds(30), Ct));
    }

    [Fact]
    public async Task DeleteAsync_DeletedMessage_ThrowsMessageLost()
    {
        await Queue.SendAsync("job", Ct);
        var m = Assert.Single(await Queue.ReceiveAsync(1, Visibility, Ct));
        await Queue.DeleteAsync(m.MessageId, m.PopReceipt, Ct);
        await Assert.ThrowsAsync<MessageLostException>(() => Queue.DeleteAsync(m.MessageId, m.PopReceipt, Ct));
    }

    [Fact]
    public async Task ApproximateCountAsync_CountsVisibleAndHiddenMessages()
    {
        await Queue.SendAsync("a", Ct);
        await Queue.SendAsync("b", Ct);
        await Queue.SendAsync("c", Ct);
        Assert.Single(await Queue.ReceiveAsync(1, TimeSpan.FromSeconds(30), Ct));
        Assert.Equal(3, await Queue.ApproximateCountAsync(Ct));
    }
}
