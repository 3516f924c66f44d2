using ScoreBatch.Jobs.Anomaly;

namespace ScoreBatch.Jobs.Tests.Anomaly;

public class NormalTailTests
{
    [Theory]
    // Q(z) = P(Z > z), from scipy.stats.norm.sf (Debian python3-scipy).
    [InlineData(0.0, 0.5)]
    [InlineData(1.0, 0.15865525393145707)]
    [InlineData(-1.0, 0.8413447460685429)]
    [InlineData(2.5, 0.006209665325776132)]
    [InlineData(-3.0, 0.9986501019683699)]
    [InlineData(5.0, 2.866515718791933e-07)]
    [InlineData(10.0, 7.61985302416047e-24)]
    public void LogSurvival_KnownTails_WithinOnePartIn1e6(double z, double q) =>
        Assert.InRange(NormalTail.LogSurvival(z) - Math.Log(q), -1e-6, 1e-6);

    [Fact]
    public void LogSurvival_FarTail_FiniteAndFollowsTheAsymptote()
    {
        // ln Q(z) ~ -z²/2 - ln(z √(2π)) for large z: 0 would give -inf.
        var z = 40.0;
        var asymptote = (-z * z / 2) - Math.Log(z * Math.Sqrt(2 * Math.PI));
        Assert.InRange(NormalTail.LogSurvival(z) - asymptote, -1e-3, 1e-6);
        Assert.Equal(0.0, NormalTail.LogSurvival(-40), 12);
    }
}
