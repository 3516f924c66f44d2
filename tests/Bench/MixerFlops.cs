using ScoreBatch.Jobs.Model;

namespace ScoreBatch.Bench;

/// <summary>
/// Analytic multiply-add count of the mixer, counting 2 FLOPs per multiply-add of the matrix products only
/// (LayerNorm, ReLU, residual adds and transposes are O(C·P) each and below 1 % of the total).
/// Per image, C = Width, P = tokens, Ht / Hc = token / channel MLP widths, k = patch:
///   conv_in   (2 -> C, k x k, stride k): P · C · 2k² MACs
///   per block: token MLP  C rows x (P -> Ht -> P): 2 · C · P · Ht MACs
///              channel MLP P rows x (C -> Hc -> C): 2 · P · C · Hc MACs
///   conv_out  (C -> 1, k x k, stride k): P · C · k² MACs
/// Default 64² (C 64, P 256, Ht = Hc = 512, 4 blocks): 4 · 2 · (2·64·256·512) + 1.57 M = 270.0 MFLOP per image
/// forward; 32² (P 64): 67.5 MFLOP. Training costs 3x forward: the backward pass needs two products of the
/// forward's size (gradient with respect to the input and to the weights) for every forward product.
/// </summary>
public static class MixerFlops
{
    public static double ForwardPerImage(ScoreNetOptions o)
    {
        double c = o.Width, p = o.Tokens, k2 = o.PatchSize * o.PatchSize;
        var macs = p * c * 2 * k2                                   // conv_in
            + o.Blocks * (2 * c * p * o.TokenMlpWidth + 2 * p * c * o.ChannelMlpWidth)
            + p * c * k2;                                          // conv_out
        return 2 * macs;
    }

    public static double TrainingPerImage(ScoreNetOptions o) => 3 * ForwardPerImage(o);
}
