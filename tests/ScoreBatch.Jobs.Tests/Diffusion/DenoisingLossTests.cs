using ScoreBatch.Jobs.Diffusion;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Tests.Diffusion;

public class DenoisingLossTests
{
    [Theory]
    // SCIENCE.md 8: closed-form minimum of the s²-weighted loss for N(0, v I) data at T = 10.
    [InlineData(1.0, 0.10000)]
    [InlineData(0.25, 0.04621)]
    [InlineData(4.0, 0.18482)]
    public void MinimumLoss_ClosedForm_MatchesTabulatedValues(double v, double expected) =>
        Assert.Equal(expected, GaussianReference.MinimumLoss(v), 5);

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.25)]
    [InlineData(4.0)]
    public void Loss_ExactGaussianScore_ReproducesMinimum(double v)
    {
        // The exact noised score is the loss minimiser, so its Monte Carlo loss must equal L*. 65,536 stratified
        // times x 64 pixels: the relative standard error is ~0.2 %, so 1 % is a tight but safe tolerance.
        var vp = new VpProcess();
        var loss = new DenoisingScoreMatchingLoss(vp);
        using var g = new Generator(11);
        const int n = 65_536;
        using var y0 = randn([n, 1, 8, 8], dtype: ScalarType.Float64, generator: g) * Math.Sqrt(v);
        using var t = new StratifiedTimeSampler(vp.T).Sample(n, g).to(ScalarType.Float64);
        using var value = loss.Compute(GaussianReference.ExactScore(vp, 0, v), y0, t, g);
        var expected = GaussianReference.MinimumLoss(v);
        Assert.InRange(value.item<double>(), expected * 0.99, expected * 1.01);
    }

    [Fact]
    public void Loss_ZeroScore_EqualsOne()
    {
        // With score = 0 the residual is z, so the loss is E[z²] = 1 whatever the data: checks the weighting.
        var loss = new DenoisingScoreMatchingLoss(new VpProcess());
        using var g = new Generator(3);
        using var y0 = randn([4096, 1, 8, 8], dtype: ScalarType.Float64, generator: g);
        using var t = new StratifiedTimeSampler(10).Sample(4096, g).to(ScalarType.Float64);
        using var value = loss.Compute((y, _) => zeros_like(y), y0, t, g);
        Assert.InRange(value.item<double>(), 0.99, 1.01); // 262,144 squares of N(0,1): std error 0.0028
    }
}
