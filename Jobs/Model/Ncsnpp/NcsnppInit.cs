using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Model.Ncsnpp;

/// <summary>
/// Score SDE's initialisation (DDPM's default_init): weights U(±sqrt(3·scale / fan_avg)), fan_avg = (fan_in + fan_out)/2
/// with the receptive field counted in both, biases 0. Scale 0 (the layers that end a residual branch and the output
/// convolution) becomes 1e-10, as in the reference, so every branch starts as (almost) the identity.
/// </summary>
internal static class NcsnppInit
{
    public static void Conv(Conv2d conv, double scale, Generator? generator) => Weight(conv.weight!, conv.bias, scale, generator);

    public static void Conv(Conv3x3 conv, double scale, Generator? generator) => Weight(conv.Weight, conv.Bias, scale, generator);

    public static void Dense(Linear linear, double scale, Generator? generator) => Weight(linear.weight!, linear.bias, scale, generator);

    private static void Weight(Tensor weight, Tensor? bias, double scale, Generator? generator)
    {
        using var noGrad = no_grad();
        var receptive = weight.dim() > 2 ? weight.shape.Skip(2).Aggregate(1L, (a, b) => a * b) : 1L;
        var fanIn = weight.shape[1] * receptive;
        var fanOut = weight.shape[0] * receptive;
        var variance = (scale == 0 ? 1e-10 : scale) / ((fanIn + fanOut) / 2.0);
        var bound = Math.Sqrt(3 * variance);
        weight.uniform_(-bound, bound, generator);
        bias?.zero_();
    }
}
