using ScoreBatch.Jobs.Diffusion;
using ScoreBatch.Jobs.Model;
using ScoreBatch.Storage.Formats;
using TorchSharp;

namespace ScoreBatch.Jobs.Tests.Interop;

/// <summary>
/// Independent reference implementations of the mixer used by the interop tests: a numpy forward pass over the
/// equinox leaves (with equinox's un-flipped transposed convolution), leaf I/O with numpy, and helpers to run the
/// ScoreBatch side on the same inputs.
/// </summary>
internal static class MixerReference
{
    /// <summary>Python functions: read_leaves, write_leaves, random_leaves, forward (numpy, float64).</summary>
    public const string NumpyMixer = """
        import json, numpy as np

        def read_leaves(path):
            leaves = []
            with open(path, 'rb') as f:
                while True:
                    pos = f.tell()
                    if not f.read(1):
                        return leaves
                    f.seek(pos)
                    leaves.append(np.load(f, allow_pickle=False))

        def write_leaves(path, leaves):
            with open(path, 'wb') as f:
                for leaf in leaves:
                    np.save(f, leaf)

        def random_leaves(rng, n, p=4, width=64, tok=512, chan=512, blocks=4, t1=10.0):
            P = (n // p) ** 2
            u = lambda shape, fan: rng.uniform(-1, 1, size=shape).astype('<f4') / np.float32(np.sqrt(fan))
            leaves = [u((width, 2, p, p), 2 * p * p), u((width, 1, 1), 2 * p * p), u((1, width, p, p), width * p * p), u((1, 1, 1), width * p * p)]
            for _ in range(blocks):
                leaves += [u((tok, P), P), u((tok,), P), u((P, tok), tok), u((P,), tok),
                           u((chan, width), width), u((chan,), width), u((width, chan), chan), u((width,), chan)]
                # LayerNorm affines away from (1, 0) so that a swapped or transposed norm shows up.
                leaves += [(1 + 0.3 * rng.standard_normal((width, P))).astype('<f4'), (0.1 * rng.standard_normal((width, P))).astype('<f4'),
                           (1 + 0.3 * rng.standard_normal((P, width))).astype('<f4'), (0.1 * rng.standard_normal((P, width))).astype('<f4')]
            leaves += [(1 + 0.3 * rng.standard_normal((width, P))).astype('<f4'), (0.1 * rng.standard_normal((width, P))).astype('<f4')]
            leaves.append(np.float64(t1))
            return leaves

        def layernorm(z, w, b):
            m = z.mean()
            v = ((z - m) ** 2).mean()
            return (z - m) / np.sqrt(v + 1e-5) * w + b

        def forward(leaves, x, t, equinox_semantics=True):
            # One image x (n, n) at time t. equinox_semantics=False applies the kernel as PyTorch would without
            # the flip: the wrong mapping, used to show that the comparison can fail.
            L = [np.asarray(l, dtype=np.float64) for l in leaves]
            t1 = float(L[-1])
            nblocks = (len(L) - 7) // 12
            w_in, b_in, w_out, b_out = L[0], L[1], L[2], L[3]
            width, _, p, _ = w_in.shape
            n = x.shape[0]
            side = n // p
            inp = np.stack([x, np.full_like(x, t / t1)])                     # (2, n, n)
            patches = inp.reshape(2, side, p, side, p)                      # [k, i, r, j, s]
            z = np.einsum('ckrs,kirjs->cij', w_in, patches) + b_in          # (width, side, side)
            z = z.reshape(width, side * side)                               # (width, P), row-major tokens
            for b in range(nblocks):
                t0w, t0b, t1w, t1b, c0w, c0b, c1w, c1b, n1w, n1b, n2w, n2b = L[4 + 12 * b: 16 + 12 * b]
                h = np.maximum(layernorm(z, n1w, n1b) @ t0w.T + t0b, 0) @ t1w.T + t1b
                zt = (z + h).T                                              # (P, width)
                g = np.maximum(layernorm(zt, n2w, n2b) @ c0w.T + c0b, 0) @ c1w.T + c1b
                z = (zt + g).T
            z = layernorm(z, L[-3], L[-2]).reshape(width, side, side)
            # equinox ConvTranspose (kernel not flipped): out[o, p*i + r, p*j + s] = b[o] + sum_c z[c, i, j] * W[o, c, p-1-r, p-1-s]
            k = w_out[:, :, ::-1, ::-1] if equinox_semantics else w_out
            out = np.einsum('cij,ocrs->oirjs', z, k).reshape(w_out.shape[0], n, n) + b_out.reshape(-1, 1, 1)
            return out[0]
        """;

    /// <summary>Deterministic inputs [count x 1 x n x n] (galaxy-like blobs plus noise) and times.</summary>
    public static (float[] Images, float[] Times) Inputs(int count, int n, int seed)
    {
        var rng = new Random(seed);
        var images = new float[count * n * n];
        for (int i = 0; i < count; i++)
            for (int r = 0; r < n; r++)
                for (int c = 0; c < n; c++)
                {
                    double d2 = (r - n / 2.0) * (r - n / 2.0) + (c - n / 2.0) * (c - n / 2.0);
                    images[(i * n + r) * n + c] = (float)(Math.Exp(-d2 / (8.0 + 4 * i)) * 10 + rng.NextDouble() - 0.5);
                }
        var times = Enumerable.Range(0, count).Select(i => 0.02f + 2.5f * i).ToArray();
        return (images, times);
    }

    /// <summary>ScoreBatch's forward pass on the CPU at diffusion times <paramref name="times"/> (through the prior's t / T
    /// conditioning, VP T = 10 as the released priors): [count x 1 x n x n] -> flat scores.</summary>
    public static float[] Forward(ScoreNet model, float[] images, float[] times, int n)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        model.eval();
        var y = torch.tensor(images, [times.Length, 1, n, n]);
        var t = torch.tensor(times, [times.Length]);
        var c = ScorePrior.Conditioning(model, NoiseProcesses.Create(NoiseProcesses.Default), t);
        return model.forward(y, c).data<float>().ToArray();
    }

    public static void SaveNpy(string path, float[] data, params int[] shape) => File.WriteAllBytes(path, Npy.ToBytes(data, shape));

    public static float[] LoadNpy(string path) => Npy.Read(File.ReadAllBytes(path), path).Data;

    /// <summary>max |a - b| / max(1, max |b|).</summary>
    public static double RelativeError(float[] a, float[] b)
    {
        Assert.Equal(b.Length, a.Length);
        double diff = 0, scale = 1;
        for (int i = 0; i < a.Length; i++)
        {
            diff = Math.Max(diff, Math.Abs(a[i] - b[i]));
            scale = Math.Max(scale, Math.Abs(b[i]));
        }
        return diff / scale;
    }
}
