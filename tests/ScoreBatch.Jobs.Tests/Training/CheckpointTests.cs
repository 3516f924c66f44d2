using ScoreBatch.Jobs.Diffusion;
using ScoreBatch.Jobs.Model;
using ScoreBatch.Jobs.Training;
using ScoreBatch.Jobs.Transforms;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Tests.Training;

public class CheckpointTests
{
    private static byte[] Save(Checkpoint checkpoint)
    {
        using var stream = new MemoryStream();
        checkpoint.Save(stream);
        return stream.ToArray();
    }

    [Fact]
    public void RoundTrip_TinyMixer_GivesBitIdenticalScores()
    {
        manual_seed(21);
        using var model = ScoreNetFactory.Create(TinyModels.Mixer8);
        var bytes = Save(Checkpoint.FromModel(model, new Log1pTransform(), step: 42));
        var loaded = Checkpoint.Load(new MemoryStream(bytes), "model.ckpt");
        using var restored = loaded.CreateModel();
        using var y = randn(4, 1, 8, 8);
        using var t = tensor(new float[] { 0.02f, 1, 5, 10 });
        using (no_grad())
            Assert.Equal(model.forward(y, t).data<float>().ToArray(), restored.forward(y, t).data<float>().ToArray());
        Assert.Equal(42, loaded.Header.Step);
        Assert.Equal(TinyModels.Mixer8, loaded.Header.Model);
        Assert.Equal(ScoreNetArchitectures.MixerVersion, loaded.Header.ArchitectureVersion);
        Assert.Equal(ScoreNetFactory.ParameterCount(model), loaded.Header.ParameterCount);
        Assert.IsType<Log1pTransform>(loaded.CreateTransform());
    }

    [Fact]
    public void Restore_CheckpointOfOtherSize_FailsNamingFileAndOption()
    {
        manual_seed(22);
        using var small = ScoreNetFactory.Create(TinyModels.Mixer8);
        var bytes = Save(Checkpoint.FromModel(small, new IdentityTransform()));
        var loaded = Checkpoint.Load(new MemoryStream(bytes), "runs/a/ckpt-00000100.ckpt");
        using var other = ScoreNetFactory.Create(TinyModels.Mixer8 with { ImageSize = 16 });
        using var trainer = new Trainer(other, new VpProcess(), new TrainerOptions { BatchSize = 2 });
        var e = Assert.Throws<InvalidDataException>(() => trainer.Restore(loaded));
        Assert.Contains("runs/a/ckpt-00000100.ckpt", e.Message);
        Assert.Contains("ImageSize: checkpoint 8, requested 16", e.Message);
    }

    [Fact]
    public void Load_FlippedPayloadByte_FailsAsCorruptNamingFile()
    {
        manual_seed(23);
        using var model = ScoreNetFactory.Create(TinyModels.Mixer8);
        var bytes = Save(Checkpoint.FromModel(model, new IdentityTransform()));
        bytes[^10] ^= 0x40; // inside the weights
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(new MemoryStream(bytes), "bad.ckpt"));
        Assert.StartsWith("bad.ckpt: corrupt checkpoint", e.Message);
    }

    [Fact]
    public void Load_TruncatedFile_FailsNamingFile()
    {
        manual_seed(24);
        using var model = ScoreNetFactory.Create(TinyModels.Mixer8);
        var bytes = Save(Checkpoint.FromModel(model, new IdentityTransform()));
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(new MemoryStream(bytes[..(bytes.Length / 2)]), "half.ckpt"));
        Assert.StartsWith("half.ckpt: truncated checkpoint", e.Message);
    }

    [Fact]
    public void Load_NotACheckpoint_FailsNamingFile()
    {
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(new MemoryStream("\u0093NUMPY"u8.ToArray()), "x.npy"));
        Assert.Equal("x.npy: not a ScoreBatch checkpoint (the file does not start with SBCKPT)", e.Message);
    }

    [Fact]
    public void Load_UnknownArchitectureVersion_FailsNamingVersion()
    {
        // A future architecture version must not be loaded as version 1: rewrite the header's version to 7.
        manual_seed(25);
        using var model = ScoreNetFactory.Create(TinyModels.Mixer8);
        var text = System.Text.Encoding.Latin1.GetString(Save(Checkpoint.FromModel(model, new IdentityTransform())));
        var patched = System.Text.Encoding.Latin1.GetBytes(text.Replace("\"architectureVersion\": 1", "\"architectureVersion\": 7", StringComparison.Ordinal));
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(new MemoryStream(patched), "future.ckpt"));
        Assert.Contains("future.ckpt: architecture 'mixer' version 7", e.Message);
    }
}
