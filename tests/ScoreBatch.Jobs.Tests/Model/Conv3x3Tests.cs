using ScoreBatch.Jobs.Model.Ncsnpp;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Tests.Model;

/// <summary>
/// The channels-last im2col convolution against the unfold + batched matmul formulation it replaced (the one the
/// PyTorch parity of the U-Net was first pinned with): same output and same gradients within 1e-5 relative, on the
/// shapes the U-Net uses, on both paths: libtorch's conv2d for wide layers, the im2col where libtorch's own conv2d
/// backward is not repeatable (8 -> 1, 8 -> 8).
/// </summary>
public class Conv3x3Tests
{
    [Theory]
    [InlineData(8, 1, 16, 16)]   // conv_in
    [InlineData(64, 8, 1, 8)]    // conv_out of a tiny net: libtorch's input gradient differed on 19 of 20 calls
    [InlineData(16, 48, 32, 8)]  // an up block on [h, kept]
    [InlineData(3, 16, 16, 5)]   // odd side, batch not a power of two
    [InlineData(4, 64, 64, 8)]   // libtorch's conv2d path (both sides >= NativeMinChannels)
    [InlineData(2, 32, 64, 5)]   // the narrowest native shape, odd side
    public void Forward_AndGradients_MatchUnfoldReference(int batch, int inChannels, int outChannels, int side)
    {
        using var g = new Generator(11);
        using var conv = new Conv3x3(inChannels, outChannels);
        using (no_grad())
        {
            conv.Weight.normal_(0, 0.2, g);
            conv.Bias.normal_(0, 1, g);
        }
        using var x0 = randn([batch, inChannels, side, side], generator: g);
        using var upstream = randn([batch, outChannels, side, side], generator: g);

        using var x = x0.clone().requires_grad_();
        using var ours = conv.forward(x);
        ours.backward([upstream]);
        using var oursGradX = x.grad!.clone();
        using var oursGradW = conv.Weight.grad!.clone();
        using var oursGradB = conv.Bias.grad!.clone();

        using var xr = x0.clone().requires_grad_();
        using var wr = conv.Weight.detach().clone().requires_grad_();
        using var br = conv.Bias.detach().clone().requires_grad_();
        var columns = nn.functional.unfold(xr, 3, padding: 1);
        using var reference = (matmul(wr.view(outChannels, -1), columns) + br.view(1, outChannels, 1)).view(batch, outChannels, side, side);
        reference.backward([upstream]);

        AssertClose(ours, reference, "output");
        AssertClose(oursGradX, xr.grad!, "input gradient");
        AssertClose(oursGradW, wr.grad!, "weight gradient");
        AssertClose(oursGradB, br.grad!, "bias gradient");
    }

    [Theory]
    [InlineData(8, 1, false)]   // libtorch's conv2d input gradient differed on every call for this shape
    [InlineData(64, 1, false)]  // conv_out of the default U-Nets
    [InlineData(8, 8, false)]
    [InlineData(32, 32, true)]
    [InlineData(64, 64, true)]
    public void Backward_RepeatsExactlyAndIsFinite(int inChannels, int outChannels, bool native)
    {
        using var g = new Generator(5);
        using var conv = new Conv3x3(inChannels, outChannels);
        Assert.Equal(native, conv.UsesNativeConvolution);
        using (no_grad()) conv.Weight.normal_(0, 0.1, g);
        using var x0 = randn([64, inChannels, 8, 8], generator: g);
        using var upstream = randn([64, outChannels, 8, 8], generator: g);
        Tensor? first = null;
        for (var i = 0; i < 10; i++)
        {
            using var x = x0.clone().requires_grad_();
            using (var output = conv.forward(x)) output.backward([upstream]);
            Assert.True(x.grad!.isfinite().all().item<bool>(), $"backward {i} is not finite");
            if (first is null) first = x.grad.clone();
            else Assert.True(x.grad.allclose(first, 0, 0), $"backward {i} differs from the first");
        }
        first!.Dispose();
    }

    private static void AssertClose(Tensor actual, Tensor expected, string what)
    {
        var scale = expected.abs().max().item<float>();
        var error = (actual - expected).abs().max().item<float>();
        Assert.True(error <= 1e-5 * scale, $"{what}: max |difference| {error:E2} above 1e-5 of max |reference| {scale:E2}");
    }
}
