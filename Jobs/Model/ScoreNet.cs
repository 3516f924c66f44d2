using ScoreBatch.Jobs.Model.Onnx;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Model;

/// <summary>
/// A score network s_theta(y, c): maps noised images and a conditioning value per image to the score (the gradient
/// of the log density of the noised data) with the images' shape. It knows nothing of the noise process or the data
/// transform: <see cref="ScorePrior"/> turns diffusion time into the conditioning the network declares.
/// </summary>
public abstract class ScoreNet(string name, ScoreNetOptions options) : nn.Module<Tensor, Tensor, Tensor>(name)
{
    public ScoreNetOptions Options { get; } = options;

    /// <summary>What <see cref="forward"/>'s second argument means (t / T for the mixer).</summary>
    public abstract ScoreNetConditioning Conditioning { get; }

    /// <summary>Scores a batch: <paramref name="y"/> [N x 1 x H x W] (model space), <paramref name="c"/> [N] the conditioning
    /// (<see cref="Conditioning"/>); returns [N x 1 x H x W].</summary>
    public abstract override Tensor forward(Tensor y, Tensor c);

    /// <summary>
    /// Runs the network's large matrix products in <paramref name="type"/> (e.g. bfloat16) for inference, or in full
    /// precision again with null. Architectures without a low-precision path throw <see cref="NotSupportedException"/>.
    /// </summary>
    public virtual void UseMatmulPrecision(ScalarType? type)
    {
        if (type is not null) throw new NotSupportedException($"the {Options.Architecture} network has no {type} inference path (the mixer has)");
    }

    /// <summary>
    /// Trains with the network's large matrix products in <paramref name="type"/> (bfloat16) from fp32 parameters
    /// (mixed precision), or in fp32 again with null. Architectures without such a path throw
    /// <see cref="NotSupportedException"/>.
    /// </summary>
    public virtual void UseTrainingMatmulPrecision(ScalarType? type)
    {
        if (type is not null) throw new NotSupportedException($"the {Options.Architecture} network has no {type} training path (the mixer has)");
    }

    /// <summary>Whether <see cref="BuildOnnx"/> describes this architecture.</summary>
    public virtual bool HasOnnxGraph => false;

    /// <summary>
    /// Writes <see cref="forward"/> into <paramref name="graph"/> as ONNX nodes on the graph values <paramref name="y"/>
    /// [N x C x H x W] and <paramref name="c"/> [N], with the current weights as constants, and returns the output value
    /// [N x C x H x W]. What ONNX Runtime runs for scoring (<see cref="OnnxScoreNet"/>) and `export --format onnx` writes.
    /// Architectures without a graph throw <see cref="NotSupportedException"/>.
    /// </summary>
    public virtual string BuildOnnx(OnnxGraph graph, string y, string c) =>
        throw new NotSupportedException($"the {Options.Architecture} network has no ONNX graph (the {ScoreNetArchitectures.Mixer} has)");
}
