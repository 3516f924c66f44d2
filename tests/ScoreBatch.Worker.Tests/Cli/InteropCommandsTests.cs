using ScoreBatch.Jobs.Interop;
using ScoreBatch.Jobs.Model;
using ScoreBatch.Jobs.Training;
using ScoreBatch.Tests.Shared;
using ScoreBatch.Worker.Cli;

namespace ScoreBatch.Worker.Tests.Cli;

public sealed class InteropCommandsTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"scorebatch-cli-{Guid.NewGuid():N}");

    public InteropCommandsTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string At(string name) => Path.Combine(_dir, name);

    [Fact]
    public async Task ImportEqxThenExportEqx_TinyMixer_ReproducesTheFileByteForByte()
    {
        using (var model = new MixerScoreNet(new ScoreNetOptions { ImageSize = 8, Width = 8, TokenMlpWidth = 12, ChannelMlpWidth = 10, Blocks = 1 }))
        using (var file = File.Create(At("prior.eqx")))
            EqxMixerConverter.Export(model, file);

        Assert.Equal(0, await ScoreBatchCli.RunAsync(["import-eqx", At("prior.eqx"), "--size", "8", "--out", At("models/prior.ckpt")]));
        var checkpoint = Checkpoint.Load(At("models/prior.ckpt"));
        Assert.Equal("log1p", checkpoint.Header.Transform.Name);
        Assert.Equal(1, checkpoint.Header.Model.Blocks);

        Assert.Equal(0, await ScoreBatchCli.RunAsync(["export", At("models/prior.ckpt"), "--format", "eqx", "--out", At("back.eqx")]));
        Assert.Equal(File.ReadAllBytes(At("prior.eqx")), File.ReadAllBytes(At("back.eqx")));
        Assert.Equal(0, await ScoreBatchCli.RunAsync(["export", At("models/prior.ckpt"), "--format", "pytorch", "--out", At("prior.pt")]));
        Assert.True(new FileInfo(At("prior.pt")).Length > 4 * 1000, "the state dict holds the weights");
    }

    [Fact]
    public async Task ImportEqx_WrongSize_ExitsOneAndLeavesNoCheckpoint()
    {
        using (var model = new MixerScoreNet(new ScoreNetOptions { ImageSize = 8, Width = 8, TokenMlpWidth = 12, ChannelMlpWidth = 10, Blocks = 1 }))
        using (var file = File.Create(At("prior.eqx")))
            EqxMixerConverter.Export(model, file);
        Assert.Equal(1, await ScoreBatchCli.RunAsync(["import-eqx", At("prior.eqx"), "--size", "64", "--out", At("x.ckpt")]));
        Assert.False(File.Exists(At("x.ckpt")));
        Assert.False(File.Exists(At("x.ckpt.partial")));
    }

    [Fact]
    public async Task Export_UnknownFormat_IsRejectedByParser()
    {
        Assert.NotEqual(0, await ScoreBatchCli.RunAsync(["export", At("none.ckpt"), "--format", "tflite", "--out", At("x")]));
    }

    [Fact]
    public async Task ExportOnnx_Mixer_RunsInOnnxRuntimeLikeTheCheckpoint()
    {
        var generator = new TorchSharp.torch.Generator(11);
        using (var model = new MixerScoreNet(new ScoreNetOptions { ImageSize = 8, Width = 16, TokenMlpWidth = 12, ChannelMlpWidth = 10, Blocks = 2 }, generator))
        using (var file = File.Create(At("prior.ckpt")))
            Checkpoint.FromModel(model, new ScoreBatch.Jobs.Transforms.Log1pTransform()).Save(file);
        Assert.Equal(0, await ScoreBatchCli.RunAsync(["export", At("prior.ckpt"), "--format", "onnx", "--out", At("prior.onnx")]));

        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(At("prior.onnx"));
        var y = Enumerable.Range(0, 2 * 64).Select(i => (float)Math.Sin(0.37 * i)).ToArray();
        var c = new[] { 0.1f, 0.7f };
        using var yValue = Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(y, [2, 1, 8, 8]);
        using var cValue = Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(c, [2]);
        using var outputs = session.Run(new Microsoft.ML.OnnxRuntime.RunOptions(), ["y", "c"], [yValue, cValue], ["score"]);
        var fromOnnx = outputs[0].GetTensorDataAsSpan<float>().ToArray();

        using var network = Checkpoint.Load(At("prior.ckpt")).CreateModel();
        network.eval();
        using var inference = TorchSharp.torch.inference_mode();
        using var expected = network.forward(TorchSharp.torch.tensor(y).reshape(2, 1, 8, 8), TorchSharp.torch.tensor(c));
        var fromTorch = expected.data<float>().ToArray();
        double diff = 0, norm = 0;
        for (int i = 0; i < fromTorch.Length; i++)
        {
            diff += Math.Pow(fromTorch[i] - fromOnnx[i], 2);
            norm += Math.Pow(fromTorch[i], 2);
        }
        Assert.True(Math.Sqrt(diff / norm) < 1e-5, $"relative L2 {Math.Sqrt(diff / norm):E2}");
    }

    [Fact]
    public async Task ExportOnnx_UNet_ExitsOneNamingTheWayOut()
    {
        using (var model = ScoreNetFactory.Create(new ScoreNetOptions { Architecture = ScoreNetArchitectures.Ncsnpp, ImageSize = 8, Nf = 8, ChannelMultipliers = "1,2", ResBlocks = 1, AttentionResolution = 4 }))
        using (var file = File.Create(At("unet.ckpt")))
            Checkpoint.FromModel(model, new ScoreBatch.Jobs.Transforms.Log1pTransform()).Save(file);
        var (code, error) = await ConsoleCapture.ErrorAsync(() => ScoreBatchCli.RunAsync(["export", At("unet.ckpt"), "--format", "onnx", "--out", At("unet.onnx")]));
        Assert.Equal(1, code);
        Assert.Contains("has no ONNX graph", error);
        Assert.Contains("--format pytorch", error);
        Assert.False(File.Exists(At("unet.onnx")));
    }
}
