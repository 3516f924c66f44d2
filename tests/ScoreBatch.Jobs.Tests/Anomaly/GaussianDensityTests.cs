using ScoreBatch.Jobs.Anomaly;

namespace ScoreBatch.Jobs.Tests.Anomaly;

public class GaussianDensityTests
{
    [Fact]
    public void Distance_KnownCovariance_IsTheMahalanobisDistance()
    {
        // Samples symmetric about (1, 2) with covariance diag(4, 1) exactly (sample covariance, n - 1 denominator):
        // the distance of (3, 2) is 2²/4 = 1 and of (1, 3) is 1²/1 = 1, up to the 1e-3 ridge.
        var samples = new List<double[]> { new[] { 1 + Math.Sqrt(6), 2.0 }, new[] { 1 - Math.Sqrt(6), 2.0 }, new[] { 1.0, 2 + Math.Sqrt(1.5) }, new[] { 1.0, 2 - Math.Sqrt(1.5) } };
        var density = GaussianDensity.Fit(samples);
        Assert.Equal(new[] { 1.0, 2.0 }, density.Mean);
        Assert.Equal(4 / 4.001, density.Distance([3.0, 2.0]), 9);
        Assert.Equal(1 / 1.001, density.Distance([1.0, 3.0]), 9);
        Assert.Equal(0, density.Distance(density.Mean), 12);
    }

    [Fact]
    public void Fit_OneSample_SaysHowManyAreNeeded()
    {
        var e = Assert.Throws<ArgumentException>(() => GaussianDensity.Fit([new[] { 1.0 }]));
        Assert.Contains("at least 2", e.Message, StringComparison.Ordinal);
    }
}
