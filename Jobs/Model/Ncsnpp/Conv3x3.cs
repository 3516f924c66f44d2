using ScoreBatch.Jobs.Runtime;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Model.Ncsnpp;

/// <summary>
/// A 3x3 convolution with padding 1, stride 1, computed as unfold (im2col) and a matrix product. Its parameters have
/// Conv2d's names and layouts (weight [out x in x 3 x 3], bias [out]), so the state dict is a torch Conv2d's.
/// Why not <c>nn.Conv2d</c>: with TorchSharp 0.107's libtorch on the CPU, the input gradient of a padded 3x3
/// convolution came back different on every call and sometimes NaN (20 repeats of the same backward: 19 differed,
/// up to 8 non-finite), which made every U-Net training step NaN; unfold + matmul gives the same forward pass and a
/// deterministic, finite backward. The 1x1 convolutions and the mixer's patchify convolution are not affected.
/// </summary>
internal sealed class Conv3x3 : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly Parameter bias;
    private readonly int outChannels;

    public Conv3x3(int inChannels, int outChannels) : base(nameof(Conv3x3))
    {
        this.outChannels = outChannels;
        weight = new Parameter(empty(outChannels, inChannels, 3, 3));
        bias = new Parameter(zeros(outChannels));
        RegisterComponents();
    }

    public Parameter Weight => weight;

    public Parameter Bias => bias;

    /// <summary><paramref name="x"/> [N x Cin x H x W] -> [N x Cout x H x W].</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long n = x.shape[0], height = x.shape[2], width = x.shape[3];
        var columns = nn.functional.unfold(x, 3, padding: 1);                    // [N x Cin·9 x H·W]
        var output = matmul(weight.view(outChannels, -1), columns);             // [N x Cout x H·W]
        return output.Plus(bias.view(1, outChannels, 1)).view(n, outChannels, height, width).MoveToOuterDisposeScope();
    }
}
