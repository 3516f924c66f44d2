using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Model.Ncsnpp;

/// <summary>
/// A 3x3 convolution with padding 1, stride 1, computed as an im2col in channels-last order and one matrix product.
/// Its parameters have Conv2d's names and layouts (weight [out x in x 3 x 3], bias [out]), so the state dict is a
/// torch Conv2d's.
/// Why not <c>nn.Conv2d</c>: with TorchSharp 0.107's libtorch on the CPU, the input gradient of a 3x3 convolution
/// with few channels on one side (1 or 8 output channels, 1 input channel) came back different on every call and
/// sometimes NaN (20 repeats of the same backward: up to 19 differed, up to 10 non-finite; padding by
/// <c>nn.functional.pad</c> first does not help), which made every U-Net training step NaN. Building the columns
/// from tensor slices gives the same forward pass and a deterministic, finite backward through ordinary kernels.
/// Why this layout: x is padded, viewed as [N x H+2 x W+2 x Cin] and its 9 shifted windows are concatenated into
/// columns [N·H·W x 9·Cin], so the product is a single GEMM with the bias fused (addmm) instead of N batched ones, and
/// the backward is slicing and one GEMM per operand instead of <c>unfold</c>'s col2im. On one core this made the
/// whole U-Net's forward + backward 1.16x (8², nf 8) to 1.8x (32², nf 64) faster than unfold + batched matmul
/// (README, "Science and what the tests check"); single layers with few pixels (4²) gain nothing or lose a little.
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
        long n = x.shape[0], inChannels = x.shape[1];
        int height = (int)x.shape[2], width = (int)x.shape[3];
        var padded = nn.functional.pad(x, [1, 1, 1, 1]).permute(0, 2, 3, 1);            // [N x H+2 x W+2 x Cin] (a view)
        var windows = new Tensor[9];
        for (var dy = 0; dy < 3; dy++)
            for (var dx = 0; dx < 3; dx++)
                windows[(3 * dy) + dx] = padded[.., dy..(dy + height), dx..(dx + width), ..];
        var columns = cat(windows, 3).view(n * height * width, 9 * inChannels);          // [N·H·W x (ky, kx, Cin)]
        var kernel = weight.permute(0, 2, 3, 1).reshape(outChannels, 9 * inChannels);    // [Cout x (ky, kx, Cin)]
        var output = addmm(bias, columns, kernel.t(), 1, 1);                              // [N·H·W x Cout]
        return output.view(n, height, width, outChannels).permute(0, 3, 1, 2).contiguous().MoveToOuterDisposeScope();
    }
}
