using ScoreBatch.Jobs.Previews;

namespace ScoreBatch.Jobs.Tests.Previews;

public class AsinhStretchTests
{
    [Fact]
    public void Forward_LinearBelowSofteningLogarithmicAbove_AndInverts()
    {
        var s = new AsinhStretch(0.01);
        Assert.Equal(0.1, s.Forward(0.001), 3);                            // x << beta: ~ x / beta
        Assert.Equal(Math.Log(2 * 100.0), s.Forward(1.0), 4);              // x >> beta: ~ ln(2x / beta)
        Assert.Equal(-s.Forward(0.3), s.Forward(-0.3), 12);                // odd: noise stays symmetric about 0
        Assert.Equal(0.37, s.Inverse(s.Forward(0.37)), 12);
        // The point of the stretch: a companion at 5 % of the peak sits over half way up the bar, not at 5 %.
        Assert.InRange(s.Forward(0.05) / s.Forward(1.0), 0.4, 0.5);
    }

    [Fact]
    public void For_NoisyAndNoiseFreeImages_SofteningIsNoiseSigmaOrOnePercentOfPeak()
    {
        var rng = new Random(1);
        var noisy = Enumerable.Range(0, 4096).Select(_ => (float)(0.05 * Jobs.Synthetic.SeedSequence.NextGaussian(rng))).ToArray();
        noisy[0] = 1;
        Assert.InRange(AsinhStretch.For(noisy).Softening, 0.047, 0.053); // the robust sigma, 0.05, not moved by the bright pixel
        var clean = new float[100];
        clean[50] = 2;
        Assert.Equal(0.02, AsinhStretch.For(clean).Softening, 12);        // MAD 0: floor at 1 % of the peak
        Assert.Equal(1, AsinhStretch.For(new float[4]).Softening);        // an all-zero image still draws
    }

    [Fact]
    public void Ticks_ZeroToOne_RoundFluxLabelsInOrderAndSpread()
    {
        var s = new AsinhStretch(0.01);
        var ticks = s.Ticks(0, 1);
        Assert.Equal("0", ticks[0].Label);
        Assert.Equal("1", ticks[^1].Label);
        Assert.Contains(ticks, t => t.Label == "0.1");
        Assert.Contains(ticks, t => t.Label == "0.01");                   // the stretch makes room for small fluxes
        double gap = (s.Forward(1) - s.Forward(0)) / 12;
        for (int i = 1; i < ticks.Count; i++) Assert.True(ticks[i].Position - ticks[i - 1].Position >= gap - 1e-12);
    }
}
