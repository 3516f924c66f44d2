using System.Text.Json;
using ScoreBatch.Storage.Formats;
using ScoreBatch.Tests.Shared;

namespace ScoreBatch.Storage.Tests.Interop;

/// <summary>.npy and .npz files written by numpy are read by ScoreBatch, and ScoreBatch's files are read by numpy.</summary>
public sealed class NumpyInteropTests : IDisposable
{
    private readonly string _dir = ReferencePython.NewWorkDirectory("numpy");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static float[] Floats(JsonElement e) => e.EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();
    private static int[] Ints(JsonElement e) => e.EnumerateArray().Select(v => v.GetInt32()).ToArray();

    [Fact]
    public void Npy_WrittenByNumpyInEveryDtypeEndianAndOrder_ReadsSameValues()
    {
        // numpy writes every combination and reports, per file, the shape and the values as float64 in C order.
        const string script = """
            import json, numpy as np
            rng = np.random.default_rng(5)
            base = rng.normal(size=(3, 4, 5)) * 50
            dtypes = ['f2', 'f4', 'f8', 'i1', 'i2', 'i4', 'i8', 'u1', 'u2', 'u4', 'u8']
            out = {}
            for dt in dtypes:
                for endian in '<>':
                    for order in 'CF':
                        for rank in (2, 3):
                            a = base if rank == 3 else base[0]
                            kind = dt[0]
                            if kind in 'iu':
                                info = np.iinfo(np.dtype(dt))
                                a = np.clip(np.round(a), info.min, info.max)
                            arr = np.asarray(a, dtype=np.dtype(endian + dt), order=order)
                            name = f"{dt}{'le' if endian == '<' else 'be'}{order}{rank}.npy"
                            np.save(name, arr)
                            out[name] = {"shape": list(arr.shape), "values": arr.astype(np.float64).ravel(order='C').tolist()}
            np.save('bool.npy', base[0] > 0)
            out['bool.npy'] = {"shape": [4, 5], "values": (base[0] > 0).astype(np.float64).ravel().tolist()}
            print(json.dumps(out))
            """;
        var expected = ReferencePython.RunJson(script, _dir);
        int files = 0;
        foreach (var file in expected.EnumerateObject())
        {
            var array = Npy.Read(File.ReadAllBytes(Path.Combine(_dir, file.Name)), file.Name);
            Assert.True(Ints(file.Value.GetProperty("shape")).SequenceEqual(array.Shape), file.Name);
            var want = Floats(file.Value.GetProperty("values"));
            Assert.True(want.SequenceEqual(array.Data), $"{file.Name}: values differ");
            files++;
        }
        Assert.Equal(11 * 2 * 2 * 2 + 1, files);
    }

    [Fact]
    public void Npz_WrittenByNumpySavezAndCompressed_ReadsEveryMemberWithIds()
    {
        const string script = """
            import json, numpy as np
            rng = np.random.default_rng(7)
            img = rng.normal(size=(6, 5)).astype('>f8')
            stack = rng.integers(-100, 100, size=(3, 4, 4)).astype('<i2')
            np.savez('plain.npz', img=img, stack=stack)
            np.savez_compressed('packed.npz', stack=np.asfortranarray(stack), img=img)
            print(json.dumps({"img": img.ravel().tolist(), "stack": stack.astype(float).ravel().tolist()}))
            """;
        var expected = ReferencePython.RunJson(script, _dir);
        var img = Floats(expected.GetProperty("img"));
        var stack = Floats(expected.GetProperty("stack"));
        foreach (var name in new[] { "plain.npz", "packed.npz" })
        {
            var cutouts = CutoutReader.Read(name, File.ReadAllBytes(Path.Combine(_dir, name)));
            var byId = cutouts.ToDictionary(c => c.Id);
            Assert.Equal(4, byId.Count);
            Assert.Equal(img, byId[$"{name}:img"].Pixels);
            Assert.Equal((6, 5), (byId[$"{name}:img"].Height, byId[$"{name}:img"].Width));
            for (int i = 0; i < 3; i++)
                Assert.Equal(stack.AsSpan(i * 16, 16).ToArray(), byId[$"{name}:stack#{i}"].Pixels);
        }
    }

    [Fact]
    public void NpyAndNpz_WrittenByScoreBatch_NumpyLoadsSameValues()
    {
        var image = Enumerable.Range(0, 12).Select(i => MathF.Sin(i) * 1e3f).ToArray();
        var stack = Enumerable.Range(0, 2 * 3 * 2).Select(i => i - 5.5f).ToArray();
        File.WriteAllBytes(Path.Combine(_dir, "image.npy"), Npy.ToBytes(image, [3, 4]));
        File.WriteAllBytes(Path.Combine(_dir, "both.npz"), Npz.Write([("image", image, [3, 4]), ("stack", stack, [2, 3, 2])], compress: true));
        const string script = """
            import json, numpy as np
            a = np.load('image.npy', allow_pickle=False)
            z = np.load('both.npz', allow_pickle=False)
            out = {"dtype": a.dtype.str, "shape": list(a.shape), "image": a.astype(float).ravel().tolist(),
                   "keys": sorted(z.files), "zshape": list(z['stack'].shape), "zdtype": z['stack'].dtype.str,
                   "stack": z['stack'].astype(float).ravel().tolist(), "same": bool((z['image'] == a).all())}
            print(json.dumps(out))
            """;
        var r = ReferencePython.RunJson(script, _dir);
        Assert.Equal("<f4", r.GetProperty("dtype").GetString());
        Assert.Equal([3, 4], Ints(r.GetProperty("shape")));
        Assert.Equal(image, Floats(r.GetProperty("image")));
        Assert.Equal(["image", "stack"], r.GetProperty("keys").EnumerateArray().Select(k => k.GetString()!));
        Assert.Equal([2, 3, 2], Ints(r.GetProperty("zshape")));
        Assert.Equal("<f4", r.GetProperty("zdtype").GetString());
        Assert.Equal(stack, Floats(r.GetProperty("stack")));
        Assert.True(r.GetProperty("same").GetBoolean());
    }

    [Fact]
    public void Npy_PickledObjectArrayFromNumpy_IsRefusedNotUnpickled()
    {
        const string script = """
            import numpy as np
            np.save('obj.npy', np.array([{'a': 1}, None], dtype=object), allow_pickle=True)
            print('{}')
            """;
        ReferencePython.RunJson(script, _dir);
        var e = Assert.Throws<CutoutFormatException>(() => CutoutReader.Read("obj.npy", File.ReadAllBytes(Path.Combine(_dir, "obj.npy"))));
        Assert.Contains("never loaded", e.Message);
    }
}
