using ScoreBatch.Jobs.Diffusion;
using ScoreBatch.Jobs.Interop;
using ScoreBatch.Jobs.Model;
using ScoreBatch.Jobs.Training;
using ScoreBatch.Jobs.Transforms;
using ScoreBatch.Storage.Formats;
using ScoreBatch.Tests.Shared;
using TorchSharp;

namespace ScoreBatch.Jobs.Tests.Interop;

/// <summary>
/// galaxygrad/equinox .eqx weights both ways, checked against numpy: files numpy writes import into a mixer whose
/// forward pass matches a numpy implementation of the equinox model, and files ScoreBatch exports read back in numpy
/// leaf for leaf and give the same forward pass. Weights are random: real galaxygrad weights are never committed.
/// </summary>
public sealed class EqxInteropTests : IDisposable
{
    private const int Size = 32;
    private const int Count = 3;
    private readonly string _dir = ReferencePython.NewWorkDirectory("eqx");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string At(string name) => Path.Combine(_dir, name);

    [Fact]
    public void ImportEqx_NumpyWrittenPrior_CheckpointForwardMatchesNumpyEquinoxReference()
    {
        var (images, times) = MixerReference.Inputs(Count, Size, seed: 1);
        MixerReference.SaveNpy(At("inputs.npy"), images, Count, Size, Size);
        MixerReference.SaveNpy(At("times.npy"), times, Count);
        var script = MixerReference.NumpyMixer + """

            rng = np.random.default_rng(3)
            leaves = random_leaves(rng, 32)
            write_leaves('prior.eqx', leaves)
            x = np.load('inputs.npy'); t = np.load('times.npy')
            np.save('expected.npy', np.stack([forward(leaves, x[i].astype(np.float64), float(t[i])) for i in range(len(t))]).astype('<f4'))
            np.save('naive.npy', np.stack([forward(leaves, x[i].astype(np.float64), float(t[i]), False) for i in range(len(t))]).astype('<f4'))
            print(json.dumps({"leaves": len(leaves), "t1": leaves[-1].dtype.str}))
            """;
        var info = ReferencePython.RunJson(script, _dir);
        Assert.Equal(55, info.GetProperty("leaves").GetInt32());
        Assert.Equal("<f8", info.GetProperty("t1").GetString());

        var imported = ModelInterchange.ImportEqx(File.ReadAllBytes(At("prior.eqx")), "prior.eqx", Size);
        Assert.Equal(605_761, imported.Header.ParameterCount); // SCIENCE.md 1.1 at 32x32
        Assert.Equal(DataTransforms.Log1p, imported.Header.Transform.Name);
        Assert.Equal(NoiseProcesses.Vp10(10.0), imported.Header.Process); // t1 = 10 becomes the recorded VP end time
        // Through a saved and reloaded checkpoint, as `scorebatch import-eqx` leaves it.
        using var buffer = new MemoryStream();
        imported.Save(buffer);
        buffer.Position = 0;
        using var model = Checkpoint.Load(buffer, "prior.ckpt").CreateModel();
        var ours = MixerReference.Forward(model, images, times, Size);

        var expected = MixerReference.LoadNpy(At("expected.npy"));
        var naive = MixerReference.LoadNpy(At("naive.npy"));
        // float32 through four blocks against float64 numpy: agreement to ~1e-6 relative; 2e-5 leaves headroom.
        Assert.InRange(MixerReference.RelativeError(ours, expected), 0, 2e-5);
        // Without the kernel flip the output is visibly different: the comparison above can fail.
        Assert.True(MixerReference.RelativeError(ours, naive) > 1e-2, "the un-flipped mapping should not match");
    }

    [Fact]
    public void ExportEqx_ScoreBatchMixer_NumpyReadsLeavesIdenticallyAndForwardMatches()
    {
        using var model = new MixerScoreNet(new ScoreNetOptions { ImageSize = Size });
        PerturbNorms(model, seed: 9);
        var checkpoint = Checkpoint.FromModel(model, new Log1pTransform());
        using (var file = File.Create(At("export.eqx")))
            ModelInterchange.Export(checkpoint, ExportFormat.Eqx, file);
        var (images, times) = MixerReference.Inputs(Count, Size, seed: 2);
        MixerReference.SaveNpy(At("inputs.npy"), images, Count, Size, Size);
        MixerReference.SaveNpy(At("times.npy"), times, Count);
        MixerReference.SaveNpy(At("ours.npy"), MixerReference.Forward(model, images, times, Size), Count, Size, Size);
        var script = MixerReference.NumpyMixer + """

            leaves = read_leaves('export.eqx')
            x = np.load('inputs.npy'); t = np.load('times.npy'); ours = np.load('ours.npy')
            ref = np.stack([forward(leaves, x[i].astype(np.float64), float(t[i])) for i in range(len(t))])
            np.savez('leaves.npz', **{f'leaf_{i:02d}': l for i, l in enumerate(leaves[:-1])})
            print(json.dumps({"count": len(leaves), "dtypes": [l.dtype.str for l in leaves], "shapes": [list(l.shape) for l in leaves],
                              "t1": float(leaves[-1]), "rel": float(np.abs(ours - ref).max() / max(1.0, np.abs(ref).max()))}))
            """;
        var r = ReferencePython.RunJson(script, _dir);
        Assert.Equal(55, r.GetProperty("count").GetInt32());
        var dtypes = r.GetProperty("dtypes").EnumerateArray().Select(d => d.GetString()).ToList();
        Assert.All(dtypes.Take(54), d => Assert.Equal("<f4", d));
        Assert.Equal("<f8", dtypes[54]);
        Assert.Equal(10.0, r.GetProperty("t1").GetDouble());
        var shapes = r.GetProperty("shapes").EnumerateArray().Select(s => string.Join(",", s.EnumerateArray().Select(v => v.GetInt32()))).ToList();
        Assert.Equal(["64,2,4,4", "64,1,1", "1,64,4,4", "1,1,1", "512,64", "512", "64,512", "64", "512,64", "512", "64,512", "64", "64,64", "64,64", "64,64", "64,64"], shapes.Take(16));
        Assert.Equal(["64,64", "64,64", ""], shapes.TakeLast(3));
        Assert.InRange(r.GetProperty("rel").GetDouble(), 0, 2e-5);

        // numpy's view of every leaf equals ScoreBatch's, bit for bit.
        var exported = EqxMixerConverter.ExportLeaves(model);
        var members = Npz.Read(File.ReadAllBytes(At("leaves.npz")), "leaves.npz");
        Assert.Equal(54, members.Count);
        for (int i = 0; i < members.Count; i++)
        {
            Assert.Equal($"leaf_{i:00}", members[i].Key);
            Assert.Equal(exported[i].Data, members[i].Array.Data);
        }
    }

    /// <summary>Moves every LayerNorm affine away from (1, 0), so that a mix-up of norm1, norm2 and norm shows.</summary>
    internal static void PerturbNorms(ScoreNet model, int seed)
    {
        using var noGrad = torch.no_grad();
        var generator = new torch.Generator((ulong)seed);
        foreach (var (name, p) in model.named_parameters())
            if (name.Contains("norm", StringComparison.Ordinal))
                p.add_(torch.randn(p.shape, generator: generator) * 0.3);
    }
}
