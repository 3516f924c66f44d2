using ScoreBatch.Jobs.Diffusion;
using ScoreBatch.Jobs.Runtime;
using ScoreBatch.Jobs.Sampling;
using ScoreBatch.Jobs.Transforms;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Likelihood;

/// <summary>
/// Exact-likelihood estimates by the probability-flow ODE (SCIENCE.md 7; Song et al. 2021, appendix D.2): with the PF
/// drift f~ = f - 1/2·g²·s, log p_0(y_0) = log p_T(y_T) + integral from eps to T of div f~(y_t, t) dt, integrated
/// forward with adaptive RK45 on the state (y, one integral per probe). The divergence is Hutchinson-Skilling's
/// E[e^T (d f~/dy) e] with Rademacher probes e fixed per cutout (<see cref="ProbeSeeds"/>), one vector-Jacobian
/// product per probe. Data space adds the transform's log-Jacobian: log p_x(x) = log p_y(y) + sum ln|dy/dx|.
/// Written against <see cref="INoiseProcess"/>, a score callable and <see cref="IDataTransform"/> only.
/// </summary>
public static class LikelihoodEstimator
{
    /// <summary>
    /// Likelihoods of the cutouts <paramref name="x"/> [N x 1 x H x W] (data space, the score's dtype and device),
    /// <paramref name="ids"/> one per cutout. The batch shares one adaptive step sequence; a cutout's value agrees
    /// with its value in any other batch to the solver's tolerance.
    /// </summary>
    public static IReadOnlyList<CutoutLikelihood> Estimate(INoiseProcess process, Func<Tensor, Tensor, Tensor> score, IDataTransform transform,
        Tensor x, IReadOnlyList<string> ids, LikelihoodOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(process);
        ArgumentNullException.ThrowIfNull(score);
        ArgumentNullException.ThrowIfNull(transform);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var n = (int)x.shape[0];
        if (ids.Count != n) throw new ArgumentException($"{ids.Count} ids for {n} cutouts", nameof(ids));
        if (options.StartTime >= process.T) throw new ArgumentOutOfRangeException(nameof(options), options.StartTime, $"start time must be below the process's T = {process.T}");
        using var scope = NewDisposeScope();
        var shape = x.shape;
        var d = (int)x[0].numel();
        var k = options.Probes;
        var y0 = transform.Forward(x).detach();
        var logDet = transform.LogAbsDerivative(x).to(ScalarType.Float64).flatten(1).sum(1); // [N]
        var probes = Probes(shape, ids, k, options.Seed, x.dtype, x.device); // k tensors [N x ...]
        var state = cat([y0.flatten(1), zeros([n, k], x.dtype, x.device)], 1); // [N x (D + K)]
        var solution = DormandPrinceSolver.Solve(Dynamics(process, score, shape, d, probes), state, options.StartTime, process.T, options.Adaptive, cancellationToken);
        var yT = solution.State[.., ..d].reshape(shape);
        var integrals = solution.State[.., d..].to(ScalarType.Float64); // [N x K]
        var logPy = process.PriorLogDensity(yT).unsqueeze(1) + integrals; // [N x K], one estimate per probe
        var meanPy = logPy.mean([1]);
        var stdError = k > 1 ? logPy.std(1).DividedBy(Math.Sqrt(k)) : TorchScalars.Full([n], double.NaN, ScalarType.Float64);
        var meanPx = meanPy + logDet;
        var py = meanPy.cpu().data<double>().ToArray();
        var px = meanPx.cpu().data<double>().ToArray();
        var se = stdError.cpu().data<double>().ToArray();
        var results = new CutoutLikelihood[n];
        for (var i = 0; i < n; i++)
            results[i] = new CutoutLikelihood(ids[i], px[i], py[i], -px[i] / (d * Math.Log(2)), se[i], d, solution.Steps, solution.Evaluations);
        return results;
    }

    /// <summary>The augmented dynamics: d[y, L_1..L_K]/dt = [f~(y, t), e_k^T (d f~/dy) e_k].</summary>
    private static OdeDynamics Dynamics(INoiseProcess process, Func<Tensor, Tensor, Tensor> score, long[] shape, int d, Tensor[] probes) => (t, state) =>
    {
        using var scope = NewDisposeScope();
        using var grad = enable_grad();
        var y = state[.., ..d].reshape(shape).detach().requires_grad_(true);
        var drift = ProbabilityFlow.Drift(process, score, y, t);
        var divergences = new Tensor[probes.Length];
        for (var j = 0; j < probes.Length; j++)
        {
            var vjp = autograd.grad([drift], [y], [probes[j]], retain_graph: j < probes.Length - 1)[0];
            divergences[j] = (vjp * probes[j]).flatten(1).sum(1);
        }
        return cat([drift.detach().flatten(1), stack(divergences, 1)], 1).MoveToOuterDisposeScope();
    };

    /// <summary>K Rademacher probes [N x ...], each cutout's drawn from its own seed.</summary>
    private static Tensor[] Probes(long[] shape, IReadOnlyList<string> ids, int k, long seed, ScalarType dtype, Device device)
    {
        var perCutout = new Tensor[ids.Count]; // [K x ...] each
        var single = shape.ToArray();
        single[0] = k;
        for (var i = 0; i < ids.Count; i++)
        {
            using var g = new Generator(ProbeSeeds.For(ids[i], seed));
            perCutout[i] = randn(single, ScalarType.Float64, generator: g).sign().to(dtype).to(device);
        }
        var all = stack(perCutout, 1); // [K x N x ...]
        return [.. Enumerable.Range(0, k).Select(j => all[j])];
    }
}
