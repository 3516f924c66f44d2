using Microsoft.ML.OnnxRuntime;
using ScoreBatch.Jobs.Model;
using ScoreBatch.Jobs.Model.Onnx;
using ScoreBatch.Jobs.Scoring;
using ScoreBatch.Jobs.Transforms;
using ScoreBatch.Storage.Formats;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Tests.Model;

/// <summary>
/// The mixer exported to ONNX and run by ONNX Runtime against TorchSharp's forward pass on the same weights: every
/// parameter, LayerNorm affines included, drawn at random so that a transposed or misplaced tensor shows.
/// </summary>
public class OnnxScoreNetTests
{
    private static ScoreNet RandomMixer(ScoreNetOptions options, int seed)
    {
        var generator = new TorchSharp.torch.Generator((ulong)seed);
        var network = ScoreNetFactory.Create(options, generator);
        using (no_grad())
        {
            foreach (var (name, p) in network.named_parameters())
                if (name.Contains("norm", StringComparison.Ordinal)) p.add_(randn(p.shape, generator: generator) * 0.3f);
        }
        network.eval();
        return network;
    }

    private static double RelativeError(Tensor a, Tensor b) => (a - b).norm().item<float>() / a.norm().item<float>();

    [Theory]
    [InlineData(8, 16, 32, 32, 1, 3)]     // TinyModels.Mixer8
    [InlineData(8, 16, 12, 24, 2, 2)]     // two blocks, MLP widths that differ from each other and from P and C
    [InlineData(32, 64, 512, 512, 4, 5)]  // the released 32² prior's shape (64 tokens, width 64)
    // Not width 8: libtorch 2.10's ConvTranspose2d from 8 channels (the reference here) gave 7.7 % wrong outputs on
    // some calls (against the same product written as a matmul); ONNX Runtime's graph has no convolution.
    public void Forward_RandomMixer_MatchesTorchSharp(int size, int width, int tokenMlp, int channelMlp, int blocks, int batch)
    {
        var options = new ScoreNetOptions { ImageSize = size, Width = width, TokenMlpWidth = tokenMlp, ChannelMlpWidth = channelMlp, Blocks = blocks };
        using var network = RandomMixer(options, seed: size);
        using var onnx = OnnxScoreNet.Create(network, intraOpThreads: 1);
        var generator = new TorchSharp.torch.Generator(7);
        using var y = randn(batch, 1, size, size, generator: generator);
        using var c = rand(batch, generator: generator);
        using var inference = inference_mode();
        using var expected = network.forward(y, c);
        using var actual = onnx.Forward(y, c);
        Assert.Equal(expected.shape, actual.shape);
        var error = RelativeError(expected, actual);
        Assert.True(error < 1e-5, $"relative L2 {error:E2} between ONNX Runtime and TorchSharp");
        // Each image's conditioning reaches only its own output: a different c for image 0 changes image 0 alone.
        using var c2 = c.clone();
        c2[0] = c2[0] + 0.5f;
        using var moved = onnx.Forward(y, c2);
        Assert.True((moved[0] - actual[0]).abs().max().item<float>() > 1e-3f);
        Assert.Equal(0f, (moved[1..] - actual[1..]).abs().max().item<float>());
    }

    [Fact]
    public void Export_IsAnOnnxModelWithNamedInputsAndABatchAxis()
    {
        using var network = RandomMixer(TinyModels.Mixer8, seed: 1);
        var model = OnnxScoreNet.Export(network);
        using var session = new InferenceSession(model);
        Assert.Equal(["y", "c"], session.InputMetadata.Keys);
        Assert.Equal(["score"], session.OutputMetadata.Keys);
        Assert.Equal([-1, 1, 8, 8], session.InputMetadata["y"].Dimensions);
        Assert.Equal([-1], session.InputMetadata["c"].Dimensions);
        Assert.Equal("scorebatch", session.ModelMetadata.ProducerName);
    }

    [Fact]
    public void Forward_FromTwoThreadsAtOnce_GivesEachCallersOwnResult()
    {
        using var network = RandomMixer(TinyModels.Mixer8, seed: 2);
        using var onnx = OnnxScoreNet.Create(network, intraOpThreads: 1);
        var inputs = Enumerable.Range(0, 2).Select(i => randn(16, 1, 8, 8, generator: new TorchSharp.torch.Generator((ulong)(10 + i)))).ToArray();
        using var c = full(16, 0.3f);
        var alone = inputs.Select(y => onnx.Forward(y, c).data<float>().ToArray()).ToArray();
        var together = new float[2][][];
        Parallel.For(0, 2, i => together[i] = Enumerable.Range(0, 20).Select(_ => onnx.Forward(inputs[i], c).data<float>().ToArray()).ToArray());
        for (int i = 0; i < 2; i++)
            foreach (var run in together[i]) Assert.Equal(alone[i], run);
        foreach (var y in inputs) y.Dispose();
    }

    [Fact]
    public void Forward_WrongShape_NamesTheExpectedShape()
    {
        using var network = RandomMixer(TinyModels.Mixer8, seed: 3);
        using var onnx = OnnxScoreNet.Create(network, intraOpThreads: 1);
        using var y = zeros(2, 1, 16, 16);
        using var c = zeros(2);
        var e = Assert.Throws<ArgumentException>(() => onnx.Forward(y, c));
        Assert.Contains("[N x 1 x 8 x 8]", e.Message);
    }

    [Fact]
    public void Runtime_UNet_AutoFallsBackToTorch_OnnxSaysWhy()
    {
        using var unet = ScoreNetFactory.Create(TinyModels.Ncsnpp8);
        Assert.False(unet.HasOnnxGraph);
        Assert.Equal(ScoringRuntime.Torch, ScoringRuntime.Resolve("auto", unet, CPU, lowPrecision: false));
        var e = Assert.Throws<ArgumentException>(() => ScoringRuntime.Resolve("onnx", unet, CPU, lowPrecision: false));
        Assert.Contains("ncsnpp network has no ONNX graph", e.Message);
        Assert.Throws<NotSupportedException>(() => OnnxScoreNet.Create(unet, 1));
    }

    [Fact]
    public void Runtime_Mixer_AutoIsOnnxOnTheCpuInFp32_TorchForBf16OrCuda()
    {
        using var mixer = ScoreNetFactory.Create(TinyModels.Mixer8);
        Assert.Equal(ScoringRuntime.Onnx, ScoringRuntime.Resolve("auto", mixer, CPU, lowPrecision: false));
        Assert.Equal(ScoringRuntime.Torch, ScoringRuntime.Resolve("auto", mixer, CPU, lowPrecision: true));
        Assert.Equal(ScoringRuntime.Torch, ScoringRuntime.Resolve("auto", mixer, new Device(TorchSharp.DeviceType.CUDA), lowPrecision: false));
        Assert.Equal(ScoringRuntime.Torch, ScoringRuntime.Resolve("torch", mixer, CPU, lowPrecision: false));
        Assert.Contains("bf16 needs runtime torch", Assert.Throws<ArgumentException>(() => ScoringRuntime.Resolve("onnx", mixer, CPU, lowPrecision: true)).Message);
        Assert.Contains("CPU only", Assert.Throws<ArgumentException>(() => ScoringRuntime.Resolve("onnx", mixer, new Device(TorchSharp.DeviceType.CUDA), lowPrecision: false)).Message);
        Assert.Contains("unknown runtime 'tensorrt'", Assert.Throws<ArgumentException>(() => ScoringRuntime.Resolve("tensorrt", mixer, CPU, false)).Message);
    }

    [Fact]
    public void Scorer_OnOnnxRuntime_GivesTorchsMapsAndSummaries()
    {
        // The whole scoring path (noise estimate, transform chain rule, lanes, summaries) on both engines.
        var cutouts = Enumerable.Range(0, 150).Select(i =>
        {
            var rng = new Random(i);
            var pixels = new float[64];
            for (int p = 0; p < 64; p++) pixels[p] = (float)(Math.Exp(-((p / 8 - 3.5) * (p / 8 - 3.5) + (p % 8 - 3.5) * (p % 8 - 3.5)) / 4) + 0.01 * rng.NextDouble());
            return new Cutout($"c#{i}", 8, 8, pixels);
        }).ToArray();
        IReadOnlyList<CutoutScore> Run(string runtime)
        {
            using var model = ScoringModel.FromNetwork(RandomMixer(TinyModels.Mixer8, seed: 4), new Log1pTransform());
            Assert.Equal(runtime, model.UseRuntime(runtime));
            return model.CreateScorer(new ScoringOptions { BatchSize = 32 }).Score(cutouts, "c.npy");
        }
        var torch = Run(ScoringRuntime.Torch);
        var onnx = Run(ScoringRuntime.Onnx);
        for (int i = 0; i < cutouts.Length; i++)
        {
            double diff = 0, norm = 0;
            for (int p = 0; p < 64; p++)
            {
                diff += Math.Pow(torch[i].Score[p] - onnx[i].Score[p], 2);
                norm += Math.Pow(torch[i].Score[p], 2);
            }
            Assert.True(Math.Sqrt(diff / norm) < 1e-5, $"cutout {i}: relative L2 {Math.Sqrt(diff / norm):E2}");
            Assert.Equal(torch[i].Summary.MaxRow, onnx[i].Summary.MaxRow);
            Assert.Equal(torch[i].Summary.MaxCol, onnx[i].Summary.MaxCol);
            Assert.Equal(torch[i].Summary.MeanAbsScore, onnx[i].Summary.MeanAbsScore, 1e-5 * torch[i].Summary.MeanAbsScore);
        }
    }
}

/// <summary>A scoring model on ONNX Runtime still differentiates: gradients always come from libtorch.</summary>
public class OnnxRuntimeGradientTests
{
    [Fact]
    public void Score_WithGradientsOn_IsLibtorchsAndDifferentiable()
    {
        using var model = ScoringModel.FromNetwork(ScoreNetFactory.Create(TinyModels.Mixer8, new TorchSharp.torch.Generator(3)), new Log1pTransform());
        Assert.Equal(ScoringRuntime.Onnx, model.UseRuntime(ScoringRuntime.Onnx));
        using var t = full(2, 0.5f);
        using var probe = randn(2, 1, 8, 8, generator: new TorchSharp.torch.Generator(4));
        Tensor Vjp(ScoringModel m)
        {
            using var grad = enable_grad();
            using var y = randn(2, 1, 8, 8, generator: new TorchSharp.torch.Generator(5)).requires_grad_(true);
            using var s = m.Score(y, t);
            return autograd.grad([s], [y], [probe])[0];
        }
        using var viaModel = Vjp(model);
        using var reference = ScoringModel.FromNetwork(ScoreNetFactory.Create(TinyModels.Mixer8, new TorchSharp.torch.Generator(3)), new Log1pTransform());
        using var viaTorch = Vjp(reference);
        Assert.Equal(viaTorch.data<float>().ToArray(), viaModel.data<float>().ToArray());
        Assert.True(viaModel.abs().sum().item<float>() > 0);
    }
}
