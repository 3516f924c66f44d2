using TorchSharp;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Model;

/// <summary>
/// A score network s_theta(y, t): maps noised images and times to the score (the gradient of the log density of
/// the noised data) with the images' shape. It knows nothing of the noise process or the data transform.
/// </summary>
public abstract class ScoreNet(string name, ScoreNetOptions options) : nn.Module<Tensor, Tensor, Tensor>(name)
{
    public ScoreNetOptions Options { get; } = options;

    /// <summary>Scores a batch: <paramref name="y"/> [N x 1 x H x W] (model space), <paramref name="t"/> [N] in [0, T]; returns [N x 1 x H x W].</summary>
    public abstract override Tensor forward(Tensor y, Tensor t);
}
