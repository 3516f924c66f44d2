using ScoreBatch.Jobs.Training;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Tests.Training;

public class AdaBeliefTests
{
    [Fact]
    public void Step_ThreeSteps_MatchHandComputedDoubleReference()
    {
        // Reference in double, written out from the update rule; float32 parameters agree to ~1e-7 relative.
        var gradients = new[] { new[] { 0.5, -1.0, 2.0 }, new[] { 0.3, -0.2, 1.0 }, new[] { -0.4, 0.1, 3.0 } };
        double lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-16;
        var expected = new[] { 1.0, -2.0, 0.5 };
        var m = new double[3];
        var s = new double[3];
        using var p = new TorchSharp.Modules.Parameter(tensor(new float[] { 1.0f, -2.0f, 0.5f }));
        using var opt = new AdaBelief([p], lr, b1, b2, eps);
        for (var step = 1; step <= 3; step++)
        {
            p.grad = tensor(gradients[step - 1].Select(x => (float)x).ToArray());
            opt.Step();
            for (var i = 0; i < 3; i++)
            {
                var g = gradients[step - 1][i];
                m[i] = b1 * m[i] + (1 - b1) * g;
                s[i] = b2 * s[i] + (1 - b2) * (g - m[i]) * (g - m[i]) + eps;
                var mHat = m[i] / (1 - Math.Pow(b1, step));
                var sHat = s[i] / (1 - Math.Pow(b2, step));
                expected[i] -= lr * mHat / (Math.Sqrt(sHat) + eps);
            }
            var actual = p.data<float>().ToArray();
            for (var i = 0; i < 3; i++) Assert.Equal(expected[i], actual[i], 5);
        }
        // Step 1 alone: g - m1 = 0.9·g, s1^ = 0.81·g², so each coordinate moves by lr·g/(0.9|g|) = ±0.0111 (not lr as in Adam).
        Assert.Equal(3, opt.StepCount);
    }

    [Fact]
    public void State_SaveLoad_ContinuesIdentically()
    {
        // Two optimisers, one restored from the other's state after 2 steps, must give bit-identical 3rd steps.
        using var a = new TorchSharp.Modules.Parameter(tensor(new float[] { 1f, 2f }));
        using var b = new TorchSharp.Modules.Parameter(tensor(new float[] { 1f, 2f }));
        using var optA = new AdaBelief([a], 0.1);
        using var optB = new AdaBelief([b], 0.1);
        foreach (var g in new[] { new[] { 1f, -1f }, new[] { 0.5f, 2f } })
        {
            a.grad = tensor(g);
            optA.Step();
        }
        using var buffer = new MemoryStream();
        using (var w = new BinaryWriter(buffer, System.Text.Encoding.UTF8, true)) optA.SaveState(w);
        buffer.Position = 0;
        using (var r = new BinaryReader(buffer)) optB.LoadState(r);
        using (no_grad()) b.copy_(a);
        a.grad = tensor(new[] { -3f, 0.25f });
        b.grad = tensor(new[] { -3f, 0.25f });
        optA.Step();
        optB.Step();
        Assert.Equal(a.data<float>().ToArray(), b.data<float>().ToArray());
        Assert.Equal(3, optB.StepCount);
    }
}
