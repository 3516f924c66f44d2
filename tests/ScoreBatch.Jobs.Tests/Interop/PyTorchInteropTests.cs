using ScoreBatch.Jobs.Interop;
using ScoreBatch.Jobs.Model;
using ScoreBatch.Jobs.Training;
using ScoreBatch.Jobs.Transforms;
using ScoreBatch.Tests.Shared;

namespace ScoreBatch.Jobs.Tests.Interop;

/// <summary>
/// The PyTorch export loads with Debian's torch (1.13) into a torch.nn mixer written independently in the test's
/// script, with load_state_dict(strict=True), and gives ScoreBatch's forward pass.
/// </summary>
public sealed class PyTorchInteropTests : IDisposable
{
    private const int Size = 32;
    private readonly string _dir = ReferencePython.NewWorkDirectory("torch");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const string TorchMixer = """
        import json, numpy as np, torch
        from torch import nn
        torch.set_num_threads(1)

        class Block(nn.Module):
            def __init__(self, width, tokens, tok_hidden, chan_hidden):
                super().__init__()
                self.token_mlp = nn.ModuleList([nn.Linear(tokens, tok_hidden), nn.Linear(tok_hidden, tokens)])
                self.channel_mlp = nn.ModuleList([nn.Linear(width, chan_hidden), nn.Linear(chan_hidden, width)])
                self.norm1 = nn.LayerNorm([width, tokens], eps=1e-5)
                self.norm2 = nn.LayerNorm([tokens, width], eps=1e-5)

            def forward(self, z):                       # z: (N, width, P)
                z = z + self.token_mlp[1](torch.relu(self.token_mlp[0](self.norm1(z))))
                zt = z.transpose(1, 2)                  # (N, P, width)
                zt = zt + self.channel_mlp[1](torch.relu(self.channel_mlp[0](self.norm2(zt))))
                return zt.transpose(1, 2)

        class Mixer(nn.Module):
            def __init__(self, size=32, patch=4, width=64, tok_hidden=512, chan_hidden=512, blocks=4, t1=10.0):
                super().__init__()
                self.size, self.patch, self.width, self.t1 = size, patch, width, t1
                tokens = (size // patch) ** 2
                self.conv_in = nn.Conv2d(2, width, patch, stride=patch)
                self.conv_out = nn.ConvTranspose2d(width, 1, patch, stride=patch)
                self.blocks = nn.ModuleList([Block(width, tokens, tok_hidden, chan_hidden) for _ in range(blocks)])
                self.norm = nn.LayerNorm([width, tokens], eps=1e-5)

            def forward(self, y, t):                    # y: (N, 1, size, size), t: (N,)
                n, side = y.shape[0], self.size // self.patch
                plane = (t / self.t1).view(n, 1, 1, 1).expand(n, 1, self.size, self.size)
                z = self.conv_in(torch.cat([y, plane], 1)).flatten(2)
                for block in self.blocks:
                    z = block(z)
                return self.conv_out(self.norm(z).view(n, self.width, side, side))
        """;

    [Fact]
    public void ExportPyTorch_ScoreBatchMixer_TorchLoadsStrictAndForwardMatches()
    {
        using var model = new MixerScoreNet(new ScoreNetOptions { ImageSize = Size });
        EqxInteropTests.PerturbNorms(model, seed: 21);
        var checkpoint = Checkpoint.FromModel(model, new Log1pTransform());
        using (var file = File.Create(Path.Combine(_dir, "model.pt")))
            ModelInterchange.Export(checkpoint, ExportFormat.PyTorch, file);
        var (images, times) = MixerReference.Inputs(3, Size, seed: 5);
        MixerReference.SaveNpy(Path.Combine(_dir, "inputs.npy"), images, 3, 1, Size, Size);
        MixerReference.SaveNpy(Path.Combine(_dir, "times.npy"), times, 3);
        MixerReference.SaveNpy(Path.Combine(_dir, "ours.npy"), MixerReference.Forward(model, images, times, Size), 3, 1, Size, Size);

        var script = TorchMixer + """

            state = torch.load('model.pt', map_location='cpu')
            net = Mixer()
            missing = net.load_state_dict(state, strict=True)
            net.eval()
            with torch.no_grad():
                out = net(torch.from_numpy(np.load('inputs.npy')), torch.from_numpy(np.load('times.npy'))).numpy()
            ours = np.load('ours.npy')
            print(json.dumps({"keys": list(state.keys()), "dtype": str(state['conv_out.weight'].dtype),
                              "conv_out": list(state['conv_out.weight'].shape), "torch": torch.__version__,
                              "rel": float(np.abs(out - ours).max() / max(1.0, np.abs(ours).max())),
                              "scale": float(np.abs(ours).max())}))
            """;
        var r = ReferencePython.RunJson(script, _dir);
        var keys = r.GetProperty("keys").EnumerateArray().Select(k => k.GetString()!).ToList();
        Assert.Equal(54, keys.Count); // every parameter; t1 is an option, not a tensor
        Assert.Equal(PyTorchExporter.Keys(model).Select(k => k.Key), keys);
        Assert.Equal("torch.float32", r.GetProperty("dtype").GetString());
        Assert.Equal([64, 1, 4, 4], r.GetProperty("conv_out").EnumerateArray().Select(v => v.GetInt32()));
        Assert.True(r.GetProperty("scale").GetDouble() > 0.1, "the scores are not trivially small");
        // Same float32 arithmetic in a different library: agreement to ~1e-6 relative; 1e-5 as the issue asks.
        Assert.InRange(r.GetProperty("rel").GetDouble(), 0, 1e-5);
    }
}
