using ScoreBatch.Jobs.Diffusion;
using ScoreBatch.Jobs.Runtime;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Sampling;

/// <summary>
/// The probability-flow ODE of a noise process (Song et al. 2021, eq. 13): dy/dt = f(y, t) - 1/2·g(t)²·s(y, t), whose
/// solutions share the SDE's marginals. For VP with beta = 1 this is -1/2·(y + s). Written against
/// <see cref="INoiseProcess"/> and a score callable only.
/// </summary>
public static class ProbabilityFlow
{
    /// <summary>
    /// The PF-ODE drift f~(y, t) for <paramref name="y"/> [N x ...] at the scalar time <paramref name="t"/>, with
    /// <paramref name="score"/> (y [N x ...], t [N]) -> [N x ...]. Returns [N x ...] in the caller's dispose scope.
    /// </summary>
    public static Tensor Drift(INoiseProcess process, Func<Tensor, Tensor, Tensor> score, Tensor y, double t)
    {
        ArgumentNullException.ThrowIfNull(process);
        ArgumentNullException.ThrowIfNull(score);
        using var scope = NewDisposeScope();
        var times = Times(y, t);
        var g = process.Diffusion(t);
        return process.Drift(y, times).PlusScaled(score(y, times), -0.5 * g * g).MoveToOuterDisposeScope();
    }

    /// <summary>The ODE as <see cref="OdeDynamics"/> for the solvers.</summary>
    public static OdeDynamics Dynamics(INoiseProcess process, Func<Tensor, Tensor, Tensor> score) =>
        (t, y) => Drift(process, score, y, t);

    /// <summary>t repeated once per sample: [N] in y's dtype and device.</summary>
    internal static Tensor Times(Tensor y, double t) => TorchScalars.Full([y.shape[0]], t, y.dtype, y.device);
}
