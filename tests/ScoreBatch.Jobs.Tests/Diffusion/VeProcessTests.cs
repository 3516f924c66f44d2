using ScoreBatch.Jobs.Diffusion;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Tests.Diffusion;

public class VeProcessTests
{
    [Theory]
    [InlineData(1e-5)]
    [InlineData(0.5)]
    [InlineData(1.0)]
    public void Marginal_Scalar_MatchesClosedForm(double t)
    {
        // sigma(t) = 0.01·(50/0.01)^t, a = 1, g² = d sigma²/dt = 2 ln(5000)·sigma².
        var ve = new VeProcess();
        Assert.Equal(1.0, ve.MarginalMean(t));
        Assert.Equal(0.01 * Math.Pow(5000, t), ve.MarginalStd(t), 12);
        Assert.Equal(2 * Math.Log(5000) * ve.MarginalStd(t) * ve.MarginalStd(t), ve.Diffusion(t) * ve.Diffusion(t), 9);
        using var y = ones(2, 1, 4, 4);
        using var tt = full(2, t);
        using var drift = ve.Drift(y, tt);
        Assert.Equal(0.0, drift.abs().max().item<float>());
    }

    [Fact]
    public void MarginalStd_Tensor_MatchesScalarInFloat32()
    {
        var ve = new VeProcess(sigmaMax: 80);
        var times = new[] { 1e-5, 0.02, 0.5, 0.99, 1.0 };
        using var t = tensor(times.Select(x => (float)x).ToArray());
        var s = ve.MarginalStd(t).data<float>().ToArray();
        var a = ve.MarginalMean(t).data<float>().ToArray();
        for (var i = 0; i < times.Length; i++)
        {
            Assert.Equal((float)ve.MarginalStd((double)(float)times[i]), s[i]);
            Assert.Equal(1f, a[i]);
        }
    }

    [Theory]
    [InlineData(0.05)]
    [InlineData(1.0)]
    [InlineData(20.0)]
    public void TimeForNoise_RoundTrip_GivesSigma(double sigma)
    {
        var ve = new VeProcess();
        Assert.Equal(sigma, ve.MarginalStd(ve.TimeForNoise(sigma)), 10);
    }

    [Fact]
    public void TimeForNoise_OutsideRange_ClampsToStartAndEnd()
    {
        // Noise below sigma(1e-5) gives the start time, never 0; above sigma_max gives T.
        INoiseProcess ve = new VeProcess();
        Assert.Equal(1e-5, ve.StartTime);
        Assert.Equal(1e-5, ve.TimeForNoise(0));
        Assert.Equal(1.0, ve.TimeForNoise(1e3));
        INoiseProcess vp = new VpProcess();
        Assert.Equal(0.0, vp.StartTime);
    }

    [Fact]
    public void PriorLogDensity_AtZero_IsGaussianNormaliser()
    {
        // log N(0; 0, 50² I) in D = 64 dimensions = -32·ln(2π·2500).
        var ve = new VeProcess();
        using var y = zeros(2, 1, 8, 8);
        Assert.Equal(-32 * Math.Log(2 * Math.PI * 2500), ve.PriorLogDensity(y).data<double>()[0], 9);
        using var g = new Generator(4);
        using var sample = ve.PriorSample([4096, 1, 4, 4], g);
        Assert.InRange(sample.std().item<float>(), 49.5, 50.5); // 65,536 draws: std error 0.14
    }

    [Fact]
    public void Parse_VeSpec_RoundTripsAndValidates()
    {
        var spec = NoiseProcesses.Parse("ve(sigma_max=30)");
        Assert.Equal(NoiseProcesses.Ve1(30), spec);
        Assert.Equal(spec, NoiseProcesses.Parse(spec.ToString()));
        var ve = Assert.IsType<VeProcess>(NoiseProcesses.Create(spec));
        Assert.Equal(30, ve.SigmaMax);
        Assert.Equal(spec, ve.Spec);
        var e = Assert.Throws<ArgumentException>(() => NoiseProcesses.Parse("ve(sigma_max=0.001)", "params.process"));
        Assert.Contains("params.process", e.Message, StringComparison.Ordinal);
        Assert.Contains("sigma_max", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    // L* = ln(sigma_1²(v + sigma_0²)/(sigma_0²(v + sigma_1²)))/((1 - eps)·2 ln 5000), checked by quadrature in Python.
    [InlineData(1.0, 0.54067)]
    [InlineData(0.25, 0.45932)]
    [InlineData(4.0, 0.62198)]
    public void MinimumLossVe_ClosedForm_MatchesQuadrature(double v, double expected) =>
        Assert.Equal(expected, GaussianReference.MinimumLossVe(v), 5);

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.25)]
    [InlineData(4.0)]
    public void Loss_ExactGaussianScore_ReproducesVeMinimum(double v)
    {
        // The exact noised score -y/(v + sigma²) minimises the loss; with uniform stratified t on [1e-5, 1] its Monte
        // Carlo loss must equal L*. 65,536 times x 64 pixels: relative standard error well under 0.5 %.
        var ve = new VeProcess();
        var loss = new DenoisingScoreMatchingLoss(ve);
        using var g = new Generator(11);
        const int n = 65_536;
        using var y0 = randn([n, 1, 8, 8], dtype: ScalarType.Float64, generator: g) * Math.Sqrt(v);
        var sampler = StratifiedTimeSampler.For(ve);
        using var t = sampler.Sample(n, g).to(ScalarType.Float64);
        Assert.True(t.min().item<double>() >= 1e-5 - 1e-12, "times start at eps");
        using var value = loss.Compute(GaussianReference.ExactScore(ve, 0, v), y0, t, g);
        var expected = GaussianReference.MinimumLossVe(v);
        Assert.InRange(value.item<double>(), expected * 0.99, expected * 1.01);
    }

    [Fact]
    public void LargestPairwiseDistance_KnownPoints_IsTheDiameter()
    {
        // Three 4-pixel images: 0, e1·3 and e2·4: the largest distance is |3e1 - 4e2| = 5.
        using var images = zeros(3, 1, 2, 2, dtype: ScalarType.Float64);
        images[1, 0, 0, 0] = tensor(3.0);
        images[2, 0, 0, 1] = tensor(4.0);
        Assert.Equal(5.0, VeSigmaMax.LargestPairwiseDistance(images), 9);
        Assert.Throws<ArgumentException>(() => VeSigmaMax.LargestPairwiseDistance(images.narrow(0, 0, 1)));
    }
}
