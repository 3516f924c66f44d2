using ScoreBatch.Jobs.Diffusion;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Tests.Diffusion;

public class NoiseProcessesTests
{
    [Fact]
    public void Parse_NameOnly_TakesTheReleasedDefaults()
    {
        var spec = NoiseProcesses.Parse("vp");
        Assert.Equal(NoiseProcesses.Default, spec);
        Assert.Equal("vp(beta=1, T=10)", spec.ToString());
    }

    [Fact]
    public void Parse_ItsOwnToString_RoundTrips()
    {
        var spec = NoiseProcesses.Parse("vp(T=1, beta=2)");
        Assert.Equal(spec, NoiseProcesses.Parse(spec.ToString()));
        var vp = Assert.IsType<VpProcess>(NoiseProcesses.Create(spec));
        Assert.Equal((2.0, 1.0), (vp.Beta, vp.T));
        Assert.Equal(spec, vp.Spec);
    }

    [Theory]
    [InlineData("sub_vp", "unknown noise process 'sub_vp'")]
    [InlineData("vp(gamma=1)", "no parameter 'gamma'")]
    [InlineData("vp(T=ten)", "'T=ten' must be key=number")]
    [InlineData("vp(T=-1)", "T must be positive")]
    public void Parse_BadText_NamesTheFieldAndTheProblem(string text, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => NoiseProcesses.Parse(text, "params.process"));
        Assert.StartsWith("params.process:", e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.05)]
    [InlineData(0.28)]
    [InlineData(1.0)]
    [InlineData(7.0)]
    public void TimeForNoise_VpClosedForm_MatchesTheGenericBisectionAndTheRatio(double sigma)
    {
        var vp = new VpProcess();
        INoiseProcess generic = new GenericVp(vp);
        var t = vp.TimeForNoise(sigma);
        Assert.Equal(Math.Log(1 + (sigma * sigma)), t, 12);
        Assert.Equal(t, generic.TimeForNoise(sigma), 6);
        if (sigma > 0.01) Assert.Equal(sigma, vp.MarginalStd(t) / vp.MarginalMean(t), 9); // s/a = sigma, above the clamp
    }

    [Fact]
    public void TimeForNoise_BeyondThePrior_ClampsToT()
    {
        var vp = new VpProcess(t: 1.0);
        Assert.Equal(1.0, vp.TimeForNoise(100));
        Assert.Equal(1.0, ((INoiseProcess)new GenericVp(vp)).TimeForNoise(100));
    }

    /// <summary>The VP process without its closed-form override, so the interface's bisection is what runs.</summary>
    private sealed class GenericVp(VpProcess inner) : INoiseProcess
    {
        public NoiseProcessSpec Spec => inner.Spec;
        public double T => inner.T;
        public Tensor Drift(Tensor y, Tensor t) => inner.Drift(y, t);
        public double Diffusion(double t) => inner.Diffusion(t);
        public double MarginalMean(double t) => inner.MarginalMean(t);
        public double MarginalStd(double t) => inner.MarginalStd(t);
        public Tensor MarginalMean(Tensor t) => inner.MarginalMean(t);
        public Tensor MarginalStd(Tensor t) => inner.MarginalStd(t);
        public Tensor PriorSample(long[] shape, Generator? generator = null, ScalarType dtype = ScalarType.Float32) => inner.PriorSample(shape, generator, dtype);
        public Tensor PriorLogDensity(Tensor y) => inner.PriorLogDensity(y);
    }
}
