using TorchSharp;
using ScoreBatch.Jobs.Training;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Tests.Training;

public class ExponentialMovingAverageTests
{
    [Fact]
    public void Update_ToySequence_EqualsClosedFormWeightedAverage()
    {
        // theta_0 = 1, then theta_i = i² for i = 1..6: ema_k = d^k·theta_0 + Σ_i (1 - d)·d^(k-i)·theta_i.
        const double decay = 0.9;
        using var theta = tensor(new[] { 1.0, -2.0 }, dtype: ScalarType.Float64);
        using var ema = new ExponentialMovingAverage([theta], decay);
        var history = new List<double[]> { new[] { 1.0, -2.0 } };
        for (var i = 1; i <= 6; i++)
        {
            var values = new[] { (double)i * i, -3.0 * i };
            theta.copy_(tensor(values, dtype: ScalarType.Float64));
            history.Add(values);
            ema.Update();
        }
        var k = history.Count - 1;
        for (var j = 0; j < 2; j++)
        {
            var expected = Math.Pow(decay, k) * history[0][j];
            for (var i = 1; i <= k; i++) expected += (1 - decay) * Math.Pow(decay, k - i) * history[i][j];
            Assert.Equal(expected, ema.Averages[0][j].item<double>(), 12);
        }
        Assert.Equal(6, ema.Updates);
    }

    [Fact]
    public void State_SaveLoad_RestoresAveragesAndCountExactly()
    {
        using var theta = tensor(new[] { 0.5f, 1.5f, -2.5f });
        using var ema = new ExponentialMovingAverage([theta], 0.999);
        theta.mul_(3.ToScalar());
        ema.Update();
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true)) ema.SaveState(writer);

        using var other = tensor(new[] { 9f, 9f, 9f });
        using var restored = new ExponentialMovingAverage([other], 0.999);
        var bytes = buffer.ToArray();
        using (var reader = new BinaryReader(new MemoryStream(bytes))) restored.LoadState(reader);
        Assert.Equal(ema.Averages[0].data<float>().ToArray(), restored.Averages[0].data<float>().ToArray());
        Assert.Equal(1, restored.Updates);

        using var wrongDecay = new ExponentialMovingAverage([other], 0.99);
        var e = Assert.Throws<InvalidDataException>(() => wrongDecay.LoadState(new BinaryReader(new MemoryStream(bytes))));
        Assert.Contains("decay", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ClipByTotalNorm_AboveMax_ScalesToMaxAndReturnsNorm()
    {
        // Gradients (3) and (4): global norm 5; clipped to 1 they become 3/5 and 4/5 (times 5/(5 + 1e-6)).
        using var a = tensor(new[] { 1.0f }).requires_grad_();
        using var b = tensor(new[] { 1.0f }).requires_grad_();
        using (var loss = a.mul(3.ToScalar()).add(b.mul(4.ToScalar())).sum()) loss.backward();
        var norm = GradientClipping.ClipByTotalNorm([a, b], 1.0);
        Assert.Equal(5.0, norm, 6);
        Assert.Equal(0.6f, a.grad!.item<float>(), 5);
        Assert.Equal(0.8f, b.grad!.item<float>(), 5);
        // Below the max nothing changes.
        Assert.Equal(1.0, GradientClipping.ClipByTotalNorm([a, b], 10.0), 5);
        Assert.Equal(0.6f, a.grad!.item<float>(), 6);
    }
}
