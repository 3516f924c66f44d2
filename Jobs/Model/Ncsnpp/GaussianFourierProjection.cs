using ScoreBatch.Jobs.Runtime;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Model.Ncsnpp;

/// <summary>
/// Gaussian Fourier features of a scalar per image (Tancik et al. 2020; NCSN++'s noise embedding): fixed frequencies
/// W ~ N(0, scale²) of length <c>size</c>, x -> [sin(2π x W), cos(2π x W)] of length 2·size. W is a buffer (saved, not trained).
/// </summary>
internal sealed class GaussianFourierProjection : nn.Module<Tensor, Tensor>
{
    /// <summary>Standard deviation of the frequencies: 16, as in NCSN++.</summary>
    public const double Scale = 16.0;

    public GaussianFourierProjection(int size, Generator? generator) : base(nameof(GaussianFourierProjection))
    {
        using var noGrad = no_grad();
        using var w = randn([size], generator: generator); // device: CPU, module construction (model.to(device) moves the buffer)
        register_buffer("W", w.Times(Scale), persistent: true);
    }

    /// <summary><paramref name="x"/> [N] -> [N x 2·size].</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var w = get_buffer("W")!;
        var projection = x.to(w.dtype).unsqueeze(1).mul(w.unsqueeze(0)).Times(2 * Math.PI);
        return cat([projection.sin(), projection.cos()], 1).MoveToOuterDisposeScope();
    }
}
