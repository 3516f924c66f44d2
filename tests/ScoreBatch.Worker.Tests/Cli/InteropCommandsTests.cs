using ScoreBatch.Jobs.Interop;
using ScoreBatch.Jobs.Model;
using ScoreBatch.Jobs.Training;
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
        Assert.NotEqual(0, await ScoreBatchCli.RunAsync(["export", At("none.ckpt"), "--format", "onnx", "--out", At("x")]));
    }
}
