using ScoreBatch.Worker.Runner;

namespace ScoreBatch.Worker.Tests;

public sealed class PollingBackoffTests
{
    [Fact]
    public void NextDelay_EmptyReceives_DoublesWithinJitterUpToMaxThenResets()
    {
        var b = new PollingBackoff(TimeSpan.FromSeconds(0.2), TimeSpan.FromSeconds(1), new Random(7));
        var bases = new[] { 0.2, 0.4, 0.8, 1.0, 1.0 };
        foreach (var expectedBase in bases)
        {
            var d = b.NextDelay().TotalSeconds;
            // Jitter keeps each wait in [50 %, 100 %] of the current base.
            Assert.InRange(d, expectedBase * 0.5 - 1e-9, expectedBase + 1e-9);
        }
        b.Reset();
        Assert.InRange(b.NextDelay().TotalSeconds, 0.1 - 1e-9, 0.2 + 1e-9);
    }

    [Fact]
    public void NextDelay_ManyWorkers_DoNotPollInLockStep()
    {
        var delays = Enumerable.Range(0, 20).Select(seed => new PollingBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10), new Random(seed)).NextDelay()).ToList();
        Assert.True(delays.Distinct().Count() >= 18, "jitter should spread 20 workers' first waits");
    }
}
