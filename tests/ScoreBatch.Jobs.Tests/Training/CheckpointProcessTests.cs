using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using ScoreBatch.Jobs.Diffusion;
using ScoreBatch.Jobs.Model;
using ScoreBatch.Jobs.Training;
using ScoreBatch.Jobs.Transforms;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Tests.Training;

/// <summary>The noise process is part of what a checkpoint means (STYLE.md 18).</summary>
public class CheckpointProcessTests
{
    [Fact]
    public void Capture_TrainerUnderVpT1_RecordsAndRebuildsThatProcess()
    {
        manual_seed(31);
        using var model = ScoreNetFactory.Create(TinyModels.Mixer8);
        var process = NoiseProcesses.Create(NoiseProcesses.Parse("vp(T=1)"));
        using var trainer = new Trainer(model, process, new TrainerOptions { BatchSize = 2, TimeSampling = TimeSampling.LogUniform });
        var loaded = RoundTrip(Checkpoint.Capture(trainer, new Log1pTransform()));
        Assert.Equal(process.Spec, loaded.Header.Process);
        Assert.Equal(TimeSampling.LogUniform, loaded.Header.Trainer!.TimeSampling);
        using var prior = loaded.CreatePrior();
        Assert.Equal(1.0, prior.Process.T);
    }

    [Fact]
    public void Load_HeaderWithoutProcess_MeansTheReleasedVp()
    {
        // Checkpoints written before the process was recorded carry no "process" key: they mean VP, beta 1, T 10.
        manual_seed(32);
        using var model = ScoreNetFactory.Create(TinyModels.Mixer8);
        var bytes = WithoutProcess(Save(Checkpoint.FromModel(model, new Log1pTransform())));
        var loaded = Checkpoint.Load(new MemoryStream(bytes), "old.ckpt");
        Assert.Null(loaded.Header.Process);
        Assert.Equal(NoiseProcesses.Default, loaded.Header.ProcessOrDefault);
        Assert.Equal(10.0, loaded.CreateProcess().T);
    }

    [Fact]
    public void Restore_CheckpointOfAnotherProcess_FailsNamingBoth()
    {
        manual_seed(33);
        using var model = ScoreNetFactory.Create(TinyModels.Mixer8);
        using var first = new Trainer(model, NoiseProcesses.Create(NoiseProcesses.Parse("vp(T=1)")), new TrainerOptions { BatchSize = 2 });
        var saved = RoundTrip(Checkpoint.Capture(first, new Log1pTransform()));
        using var other = ScoreNetFactory.Create(TinyModels.Mixer8);
        using var second = new Trainer(other, new VpProcess(), new TrainerOptions { BatchSize = 2 });
        var e = Assert.Throws<InvalidDataException>(() => second.Restore(saved));
        Assert.Contains("vp(beta=1, T=1)", e.Message, StringComparison.Ordinal);
        Assert.Contains("vp(beta=1, T=10)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Conditioning_Mixer_IsTimeOverT()
    {
        using var model = ScoreNetFactory.Create(TinyModels.Mixer8);
        using var t = tensor(new float[] { 0.5f, 2f });
        using var c = ScorePrior.Conditioning(model, new VpProcess(t: 2.0), t);
        Assert.Equal(new[] { 0.25f, 1f }, c.data<float>().ToArray());
    }

    private static byte[] Save(Checkpoint checkpoint)
    {
        using var stream = new MemoryStream();
        checkpoint.Save(stream);
        return stream.ToArray();
    }

    private static Checkpoint RoundTrip(Checkpoint checkpoint) => Checkpoint.Load(new MemoryStream(Save(checkpoint)), "ckpt");

    /// <summary>The same checkpoint with the "process" key removed from its JSON header.</summary>
    private static byte[] WithoutProcess(byte[] bytes)
    {
        var length = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8));
        var header = JsonNode.Parse(Encoding.UTF8.GetString(bytes, 12, length))!.AsObject();
        Assert.True(header.Remove("process"));
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        var result = new byte[12 + json.Length + bytes.Length - 12 - length];
        bytes.AsSpan(0, 8).CopyTo(result);
        BinaryPrimitives.WriteInt32LittleEndian(result.AsSpan(8), json.Length);
        json.CopyTo(result, 12);
        bytes.AsSpan(12 + length).CopyTo(result.AsSpan(12 + json.Length));
        return result;
    }
}
