using ScoreBatch.Jobs.Diffusion;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Tests.Diffusion;

public class VpProcessTests
{
    [Theory]
    [InlineData(0.02)]
    [InlineData(1.0)]
    [InlineData(10.0)]
    public void Marginal_Scalar_MatchesClosedForm(double t)
    {
        // beta = 1: a = exp(-t/2), s² = 1 - exp(-t); a² + s² = 1 (variance preserving).
        var vp = new VpProcess();
        Assert.Equal(Math.Exp(-t / 2), vp.MarginalMean(t), 15);
        Assert.Equal(Math.Sqrt(1 - Math.Exp(-t)), vp.MarginalStd(t), 14);
        Assert.Equal(1.0, vp.MarginalMean(t) * vp.MarginalMean(t) + vp.MarginalStd(t) * vp.MarginalStd(t), 14);
    }

    [Fact]
    public void MarginalStd_AtZero_IsClampedVariance()
    {
        // s² is clamped at 1e-5 so the loss weight never vanishes: s(0) = sqrt(1e-5) = 0.0031623.
        var vp = new VpProcess();
        Assert.Equal(Math.Sqrt(1e-5), vp.MarginalStd(0.0), 15);
        using var t = zeros(1, dtype: ScalarType.Float64);
        Assert.Equal(Math.Sqrt(1e-5), vp.MarginalStd(t).item<double>(), 15);
    }

    [Fact]
    public void Marginal_Tensor_MatchesScalarInFloat32()
    {
        // Computed in double, cast at the end: float32 results equal the rounded double values.
        var vp = new VpProcess();
        var times = new[] { 0.001, 0.02, 0.5, 3.0, 9.99 };
        using var t = tensor(times.Select(x => (float)x).ToArray());
        var a = vp.MarginalMean(t).data<float>().ToArray();
        var s = vp.MarginalStd(t).data<float>().ToArray();
        for (var i = 0; i < times.Length; i++)
        {
            var tf = (double)(float)times[i];
            Assert.Equal((float)vp.MarginalMean(tf), a[i]);
            Assert.Equal((float)vp.MarginalStd(tf), s[i]);
        }
    }

    [Fact]
    public void PriorLogDensity_StandardNormalAtZero_IsMinusHalfDLog2Pi()
    {
        // log N(0; 0, I) in D = 64 dimensions = -32·ln(2π) = -58.81206.
        var vp = new VpProcess();
        using var y = zeros(2, 1, 8, 8);
        var lp = vp.PriorLogDensity(y).data<double>().ToArray();
        Assert.Equal(-32 * Math.Log(2 * Math.PI), lp[0], 10);
    }

    [Fact]
    public void StratifiedTimes_EachInItsStratum()
    {
        // t_i = (i + u_i)·T/B: the i-th time lies in [i·T/B, (i+1)·T/B).
        using var g = new Generator(5);
        var t = new StratifiedTimeSampler(10).Sample(50, g).data<float>().ToArray();
        for (var i = 0; i < 50; i++) Assert.InRange(t[i], i * 0.2f, (i + 1) * 0.2f);
    }
}
