using ScoreBatch.Jobs.Synthetic;

namespace ScoreBatch.Jobs.Tests.Synthetic;

public class SersicMathTests
{
    [Theory]
    [InlineData(0.5)]
    [InlineData(1.0)]
    [InlineData(2.5)]
    [InlineData(4.0)]
    public void B_CiottiBertinExpansion_EnclosesHalfTheLight(double n)
    {
        // b_n is defined by P(2n, b_n) = 1/2. The expansion's error is largest at the smallest n (at n = 0.5,
        // b = 0.69335 against the exact ln 2 = 0.69315, which moves P by 1.3e-4), so allow 2e-4.
        Assert.Equal(0.5, SersicMath.RegularizedLowerGamma(2 * n, SersicMath.B(n)), 2e-4);
    }

    [Fact]
    public void B_KnownValues_MatchLiterature()
    {
        // Classic values: b_1 = 1.67835 (exponential disk), b_4 = 7.66925 (de Vaucouleurs).
        Assert.Equal(1.67835, SersicMath.B(1), 4);
        Assert.Equal(7.66925, SersicMath.B(4), 4);
        // n = 0.5 is a Gaussian: P(1, b) = 1 - e^-b = 1/2 gives b = ln 2 exactly; the expansion is within 3e-4 of it.
        Assert.Equal(Math.Log(2), SersicMath.B(0.5), 3e-4);
    }

    [Fact]
    public void RegularizedLowerGamma_IntegerShape_MatchesPoissonClosedForm()
    {
        // P(2, x) = 1 - e^-x (1 + x); x = 1 exercises the series, x = 8 the continued fraction.
        Assert.Equal(1 - Math.Exp(-1) * 2, SersicMath.RegularizedLowerGamma(2, 1), 12);
        Assert.Equal(1 - Math.Exp(-8) * 9, SersicMath.RegularizedLowerGamma(2, 8), 12);
    }

    [Fact]
    public void LogGamma_HalfInteger_MatchesSqrtPi()
    {
        // Γ(1/2) = sqrt(π), Γ(5) = 24.
        Assert.Equal(0.5 * Math.Log(Math.PI), SersicMath.LogGamma(0.5), 12);
        Assert.Equal(Math.Log(24), SersicMath.LogGamma(5), 12);
    }
}
