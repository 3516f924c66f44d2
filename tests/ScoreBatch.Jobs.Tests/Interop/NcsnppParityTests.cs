using ScoreBatch.Jobs.Interop;
using ScoreBatch.Jobs.Model;
using ScoreBatch.Jobs.Tests.Model;
using ScoreBatch.Jobs.Training;
using ScoreBatch.Jobs.Transforms;
using ScoreBatch.Tests.Shared;
using TorchSharp;

namespace ScoreBatch.Jobs.Tests.Interop;

/// <summary>
/// The ncsnpp U-Net against an independent PyTorch definition (Debian's torch 1.13, written from score_sde's
/// ncsnpp.py with BigGAN blocks, no FIR): the exported state dict loads strictly, the forward pass agrees within
/// 1e-5 relative, and the parameter counts of the default 32² and 64² networks match ScoreBatch's pinned ones.
/// </summary>
public sealed class NcsnppParityTests : IDisposable
{
    private readonly string _dir = ReferencePython.NewWorkDirectory("ncsnpp");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    internal const string TorchNcsnpp = """
        import json, math, numpy as np, torch
        from torch import nn
        import torch.nn.functional as F
        torch.set_num_threads(1)

        def gn(c):
            return nn.GroupNorm(min(c // 4, 32), c, eps=1e-6)

        class Fourier(nn.Module):
            def __init__(self, size):
                super().__init__()
                self.register_buffer('W', torch.zeros(size))
            def forward(self, x):
                p = x[:, None] * self.W[None, :] * 2 * math.pi
                return torch.cat([torch.sin(p), torch.cos(p)], dim=-1)

        class Res(nn.Module):
            def __init__(self, cin, cout, emb, resample=None):
                super().__init__()
                self.resample = resample
                self.norm_0 = gn(cin); self.conv_0 = nn.Conv2d(cin, cout, 3, padding=1)
                self.dense_0 = nn.Linear(emb, cout)
                self.norm_1 = gn(cout); self.conv_1 = nn.Conv2d(cout, cout, 3, padding=1)
                self.skip = nn.Conv2d(cin, cout, 1) if (cin != cout or resample) else None
            def rs(self, x):
                if self.resample == 'down': return F.avg_pool2d(x, 2)
                if self.resample == 'up': return F.interpolate(x, scale_factor=2, mode='nearest')
                return x
            def forward(self, x, emb):
                h = F.silu(self.norm_0(x))
                h, x = self.rs(h), self.rs(x)
                h = self.conv_0(h) + self.dense_0(F.silu(emb))[:, :, None, None]
                h = self.conv_1(F.silu(self.norm_1(h)))
                if self.skip is not None: x = self.skip(x)
                return (x + h) / math.sqrt(2.)

        class Attn(nn.Module):
            def __init__(self, c):
                super().__init__()
                self.norm = gn(c)
                self.q, self.k, self.v, self.proj = (nn.Conv2d(c, c, 1) for _ in range(4))
            def forward(self, x):
                B, C, H, W = x.shape
                h = self.norm(x)
                q, k, v = self.q(h), self.k(h), self.v(h)
                w = torch.einsum('bchw,bcij->bhwij', q, k) * (int(C) ** (-0.5))
                w = torch.softmax(w.reshape(B, H, W, H * W), dim=-1).reshape(B, H, W, H, W)
                return (x + self.proj(torch.einsum('bhwij,bcij->bchw', w, v))) / math.sqrt(2.)

        class Ncsnpp(nn.Module):
            def __init__(self, size=32, nf=64, ch_mult=(1, 2, 2), num_res_blocks=2, attn_res=None):
                super().__init__()
                self.size, self.ch_mult, self.nrb = size, ch_mult, num_res_blocks
                self.attn_res = attn_res or size // 4
                emb = 4 * nf
                self.fourier = Fourier(nf)
                self.temb_0 = nn.Linear(2 * nf, emb); self.temb_1 = nn.Linear(emb, emb)
                self.conv_in = nn.Conv2d(1, nf, 3, padding=1)
                down, hs, c = [], [nf], nf
                for lv, m in enumerate(ch_mult):
                    for _ in range(num_res_blocks):
                        down.append(Res(c, nf * m, emb)); c = nf * m
                        if size >> lv == self.attn_res: down.append(Attn(c))
                        hs.append(c)
                    if lv != len(ch_mult) - 1:
                        down.append(Res(c, c, emb, 'down')); hs.append(c)
                self.down = nn.ModuleList(down)
                self.mid = nn.ModuleList([Res(c, c, emb), Attn(c), Res(c, c, emb)])
                up = []
                for lv in reversed(range(len(ch_mult))):
                    for _ in range(num_res_blocks + 1):
                        up.append(Res(c + hs.pop(), nf * ch_mult[lv], emb)); c = nf * ch_mult[lv]
                    if size >> lv == self.attn_res: up.append(Attn(c))
                    if lv != 0: up.append(Res(c, c, emb, 'up'))
                self.up = nn.ModuleList(up)
                self.norm_out = gn(c); self.conv_out = nn.Conv2d(c, 1, 3, padding=1)
            def forward(self, y, log_sigma):
                emb = self.temb_1(F.silu(self.temb_0(self.fourier(log_sigma))))
                h = self.conv_in(y); hs = [h]; i = 0
                for lv in range(len(self.ch_mult)):
                    for _ in range(self.nrb):
                        h = self.down[i](h, emb); i += 1
                        if self.size >> lv == self.attn_res: h = self.down[i](h); i += 1
                        hs.append(h)
                    if lv != len(self.ch_mult) - 1:
                        h = self.down[i](h, emb); i += 1; hs.append(h)
                h = self.mid[2](self.mid[1](self.mid[0](h, emb)), emb)
                i = 0
                for lv in reversed(range(len(self.ch_mult))):
                    for _ in range(self.nrb + 1):
                        h = self.up[i](torch.cat([h, hs.pop()], dim=1), emb); i += 1
                    if self.size >> lv == self.attn_res: h = self.up[i](h); i += 1
                    if lv != 0: h = self.up[i](h, emb); i += 1
                h = self.conv_out(F.silu(self.norm_out(h)))
                return h / torch.exp(log_sigma)[:, None, None, None]
        """;

    [Fact]
    public void ExportPyTorch_Ncsnpp_TorchLoadsStrictAndForwardMatches()
    {
        const int size = 16, count = 3;
        using var model = ScoreNetFactory.Create(TinyModels.Ncsnpp16, new torch.Generator(1));
        NcsnppScoreNetTests.Perturb(model, seed: 8);
        var checkpoint = Checkpoint.FromModel(model, new Log1pTransform(), process: ScoreBatch.Jobs.Diffusion.NoiseProcesses.Ve1());
        using (var file = File.Create(Path.Combine(_dir, "model.pt")))
            ModelInterchange.Export(checkpoint, ExportFormat.PyTorch, file);
        var (images, _) = MixerReference.Inputs(count, size, seed: 5);
        float[] logSigma = [-3.5f, 0.2f, 3.9f]; // sigma 0.03 .. 50: the VE range
        float[] ours;
        using (var scope = torch.NewDisposeScope())
        using (var noGrad = torch.no_grad())
        {
            model.eval();
            ours = model.forward(torch.tensor(images, [count, 1, size, size]), torch.tensor(logSigma)).data<float>().ToArray();
        }
        MixerReference.SaveNpy(Path.Combine(_dir, "inputs.npy"), images, count, 1, size, size);
        MixerReference.SaveNpy(Path.Combine(_dir, "log_sigma.npy"), logSigma, count);
        MixerReference.SaveNpy(Path.Combine(_dir, "ours.npy"), ours, count, 1, size, size);

        var script = TorchNcsnpp + """

            state = torch.load('model.pt', map_location='cpu')
            net = Ncsnpp(size=16, nf=16)
            net.load_state_dict(state, strict=True)
            net.eval()
            with torch.no_grad():
                out = net(torch.from_numpy(np.load('inputs.npy')), torch.from_numpy(np.load('log_sigma.npy'))).numpy()
            ours = np.load('ours.npy')
            count = lambda m: sum(p.numel() for p in m.parameters())
            print(json.dumps({"keys": list(state.keys()), "params": count(net),
                              "p32": count(Ncsnpp(32, 64, (1, 2, 2))), "p64": count(Ncsnpp(64, 64, (1, 2, 2, 2))),
                              "rel": float(max(np.abs(out[i] - ours[i]).max() / np.abs(ours[i]).max() for i in range(len(ours)))),
                              "scale": float(min(np.abs(ours[i]).max() for i in range(len(ours))))}))
            """;
        var r = ReferencePython.RunJson(script, _dir, TimeSpan.FromMinutes(3));
        var keys = r.GetProperty("keys").EnumerateArray().Select(k => k.GetString()!).ToList();
        Assert.Equal(PyTorchExporter.Keys(model).Select(k => k.Key), keys);
        Assert.Equal(289, keys.Count); // parameters and the Fourier frequencies buffer
        Assert.Equal(ScoreNetFactory.ParameterCount(model), r.GetProperty("params").GetInt64());
        Assert.Equal(442_321, r.GetProperty("params").GetInt64());
        Assert.Equal(7_003_969, r.GetProperty("p32").GetInt64());
        Assert.Equal(9_878_849, r.GetProperty("p64").GetInt64());
        Assert.True(r.GetProperty("scale").GetDouble() > 1e-2, "every image's scores are not trivially small");
        Assert.InRange(r.GetProperty("rel").GetDouble(), 0, 1e-5);
    }
}
