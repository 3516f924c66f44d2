using ScoreBatch.Jobs.Transforms;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Tests.Transforms;

public class DataTransformTests
{
    [Fact]
    public void Log1p_PeakOne_MapsToLn2OverScale()
    {
        // y = ln(1 + x)/0.1: x = 1 -> 6.931472, x = 0 -> 0; inverse restores x.
        var transform = new Log1pTransform();
        using var x = tensor(new double[] { 0, 1, 0.25 });
        using var y = transform.Forward(x);
        Assert.Equal(10 * Math.Log(2), y[1].item<double>(), 12);
        Assert.Equal(0, y[0].item<double>());
        using var back = transform.Inverse(y);
        Assert.Equal(0.25, back[2].item<double>(), 14);
    }

    [Fact]
    public void Log1p_ChainRule_DividesByScaleTimesOnePlusX()
    {
        // g_x = g_y/(0.1·(1 + x)): g_y = 2 at x = 1 -> 10; with the log-Jacobian term -1/(1 + x) -> 9.5.
        using var x = tensor(new double[] { 1 });
        using var gy = tensor(new double[] { 2 });
        Assert.Equal(10, new Log1pTransform().ChainRule(gy, x).item<double>(), 12);
        Assert.Equal(9.5, new Log1pTransform(includeLogJacobian: true).ChainRule(gy, x).item<double>(), 12);
    }

    [Fact]
    public void Log1p_PixelAtMinusOne_ThrowsNamingValue()
    {
        // ln(1 + x) is undefined at x <= -1: an error, never NaN scores.
        using var x = tensor(new double[] { 0.5, -1 });
        var e = Assert.Throws<ArgumentException>(() => new Log1pTransform().Forward(x));
        Assert.Contains("-1", e.Message);
    }

    [Fact]
    public void Standardize_ChainRule_DividesByStd()
    {
        // y = (x - 0.023)/0.11: x = 0.133 -> 1; g_x = g_y/0.11.
        var transform = new StandardizeTransform(0.023, 0.11);
        using var x = tensor(new double[] { 0.133 });
        Assert.Equal(1, transform.Forward(x).item<double>(), 12);
        using var gy = tensor(new double[] { 1.1 });
        Assert.Equal(10, transform.ChainRule(gy, x).item<double>(), 12);
    }

    [Fact]
    public void Spec_RoundTrip_RebuildsEqualTransform()
    {
        // The spec is what checkpoints store: rebuilding from it must give the same parameters.
        var original = new StandardizeTransform(0.023, 0.11);
        var rebuilt = Assert.IsType<StandardizeTransform>(DataTransforms.Create(original.Spec));
        Assert.Equal(0.11, rebuilt.Std);
        var log = Assert.IsType<Log1pTransform>(DataTransforms.Create(new Log1pTransform(0.2, true).Spec));
        Assert.Equal(0.2, log.Scale);
        Assert.True(log.IncludeLogJacobian);
        Assert.Throws<ArgumentException>(() => DataTransforms.Create("asinh"));
    }
}
