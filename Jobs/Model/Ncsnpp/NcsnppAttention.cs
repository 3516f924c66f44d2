using ScoreBatch.Jobs.Runtime;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Model.Ncsnpp;

/// <summary>
/// Single-head self-attention over the pixels of one level (score_sde's AttnBlockpp): h = norm(x); q, k, v = 1x1
/// convolutions of h; w = softmax_j(q_i·k_j / sqrt(C)); out = (x + proj(Σ_j w_ij v_j)) / sqrt(2).
/// </summary>
internal sealed class NcsnppAttention : nn.Module<Tensor, Tensor>
{
    private readonly GroupNorm norm;
    private readonly Conv2d q;
    private readonly Conv2d k;
    private readonly Conv2d v;
    private readonly Conv2d proj;

    public NcsnppAttention(int channels, Generator? generator) : base(nameof(NcsnppAttention))
    {
        norm = NcsnppScoreNet.GroupNorm(channels);
        q = nn.Conv2d(channels, channels, 1);
        k = nn.Conv2d(channels, channels, 1);
        v = nn.Conv2d(channels, channels, 1);
        proj = nn.Conv2d(channels, channels, 1);
        RegisterComponents();
        NcsnppInit.Conv(q, 0.1, generator);
        NcsnppInit.Conv(k, 0.1, generator);
        NcsnppInit.Conv(v, 0.1, generator);
        NcsnppInit.Conv(proj, 0.0, generator);
    }

    /// <summary><paramref name="x"/> [N x C x H x W] -> [N x C x H x W].</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long n = x.shape[0], c = x.shape[1], height = x.shape[2], width = x.shape[3];
        var h = norm.forward(x);
        var query = q.forward(h).view(n, c, height * width);                        // [N x C x P]
        var key = k.forward(h).view(n, c, height * width);
        var value = v.forward(h).view(n, c, height * width);
        var weights = bmm(query.transpose(1, 2), key).DividedBy(Math.Sqrt(c)).softmax(-1); // [N x P x P], row i sums to 1
        var attended = bmm(value, weights.transpose(1, 2)).view(n, c, height, width);       // Σ_j w_ij v_j
        return x.Plus(proj.forward(attended)).DividedBy(Math.Sqrt(2.0)).MoveToOuterDisposeScope();
    }
}
