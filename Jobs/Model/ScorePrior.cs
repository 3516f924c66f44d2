using ScoreBatch.Jobs.Diffusion;
using ScoreBatch.Jobs.Runtime;
using ScoreBatch.Jobs.Transforms;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Model;

/// <summary>
/// A score-based prior: a network, the noise process it was trained under and the data transform to its model
/// space (k-diffusion's denoiser wrapper; STYLE.md 17). It hands out the score callable s(y, t) that training,
/// scoring, samplers and likelihood use, and is the only place that turns diffusion time into what the network is
/// conditioned on, so the network knows no process and the callers know no network.
/// </summary>
public sealed class ScorePrior : IDisposable
{
    /// <param name="network">Already on the device the prior runs on; the prior owns and disposes it.</param>
    /// <param name="process">The noise process the network was (or is being) trained under.</param>
    /// <param name="transform">Data space -> model space.</param>
    public ScorePrior(ScoreNet network, INoiseProcess process, IDataTransform transform)
    {
        Network = network ?? throw new ArgumentNullException(nameof(network));
        Process = process ?? throw new ArgumentNullException(nameof(process));
        Transform = transform ?? throw new ArgumentNullException(nameof(transform));
    }

    public ScoreNet Network { get; }

    public INoiseProcess Process { get; }

    public IDataTransform Transform { get; }

    /// <summary>s_theta(y, t): <paramref name="y"/> [N x 1 x H x W] in model space, <paramref name="t"/> [N] diffusion times -> [N x 1 x H x W].</summary>
    public Tensor Score(Tensor y, Tensor t) => Network.forward(y, Conditioning(Network, Process, t));

    /// <summary>
    /// The network's conditioning for times <paramref name="t"/> [N] under <paramref name="process"/>: t / T for a
    /// <see cref="ScoreNetConditioning.TimeFraction"/> network, log s(t) for <see cref="ScoreNetConditioning.LogSigma"/>.
    /// Returns [N] in t's dtype, in the caller's dispose scope.
    /// </summary>
    public static Tensor Conditioning(ScoreNet network, INoiseProcess process, Tensor t)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(process);
        ArgumentNullException.ThrowIfNull(t);
        return network.Conditioning switch
        {
            ScoreNetConditioning.TimeFraction => t.DividedBy(process.T),
            ScoreNetConditioning.LogSigma => process.MarginalStd(t).log(),
            _ => throw new InvalidOperationException($"unknown conditioning {network.Conditioning}"),
        };
    }

    public void Dispose() => Network.Dispose();
}
