using ScoreBatch.Jobs.Scoring;

namespace ScoreBatch.Jobs.Tests.Scoring;

public class ScoringOptionsTests
{
    [Fact]
    public void Defaults_AreTheDocumentedOnes()
    {
        var o = new ScoringOptions().Validate();
        Assert.Equal(0.02, o.T);   // SCIENCE.md 5
        Assert.False(o.IncludeLogJacobian); // as the original priors
    }

    [Theory]
    [InlineData(0.0005)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NaN)]
    public void Validate_TOutOfRange_MessageNamesValue(double t)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new ScoringOptions { T = t }.Validate());
        Assert.Contains(t.ToString(System.Globalization.CultureInfo.InvariantCulture), ex.Message);
        Assert.Contains("t must be a finite time of at least 0.001", ex.Message);
    }

    [Fact]
    public void Validate_BadBatchAndThreshold_MessagesNameValues()
    {
        Assert.Contains("got 0", Assert.Throws<ArgumentOutOfRangeException>(() => new ScoringOptions { BatchSize = 0 }.Validate()).Message);
        Assert.Contains("got -1", Assert.Throws<ArgumentOutOfRangeException>(() => new ScoringOptions { Threshold = -1 }.Validate()).Message);
    }
}
