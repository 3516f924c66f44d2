using ScoreBatch.Jobs.Diffusion;
using ScoreBatch.Jobs.Runtime;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Sampling;

/// <summary>
/// Draws samples from a score-based prior, written against <see cref="INoiseProcess"/> and a score callable
/// s(y [N x ...], t [N]) -> [N x ...], never a network (STYLE.md 5). Starts from the process's prior at T, integrates
/// to t = EndFraction·T and returns model-space samples. All randomness comes from <c>generator</c>, a CPU generator
/// (noise is drawn on the CPU and moved to the device), so a seed gives the same noise on any device and the same
/// samples exactly on the same device.
/// </summary>
public static class Sampler
{
    /// <summary>Samples of <paramref name="shape"/> ([N x 1 x H x W]) in <paramref name="dtype"/> on <paramref name="device"/>.</summary>
    public static SampleResult Sample(INoiseProcess process, Func<Tensor, Tensor, Tensor> score, long[] shape, SamplerOptions options,
        Generator generator, ScalarType dtype = ScalarType.Float32, Device? device = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(process);
        ArgumentNullException.ThrowIfNull(score);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        using var scope = NewDisposeScope();
        var yT = process.PriorSample(shape, generator, dtype).to(device ?? CPU);
        var end = options.EndFraction * process.T;
        SampleResult result;
        using (no_grad())
        {
            result = options.Kind switch
            {
                SamplerKind.Rk4 => FromOde(Rk4Solver.Solve(ProbabilityFlow.Dynamics(process, score), yT, process.T, end, options.Steps, cancellationToken)),
                SamplerKind.Rk45 => FromOde(DormandPrinceSolver.Solve(ProbabilityFlow.Dynamics(process, score), yT, process.T, end, options.Adaptive, cancellationToken)),
                SamplerKind.ReverseSde => ReverseSde(process, score, yT, end, options, generator, cancellationToken),
                SamplerKind.Pc => PredictorCorrector(process, score, yT, end, options, generator, cancellationToken),
                _ => throw new ArgumentOutOfRangeException(nameof(options), options.Kind, "unknown sampler"),
            };
        }
        result.Y.MoveToOuterDisposeScope();
        return result;
    }

    private static SampleResult FromOde(OdeSolution s) => new(s.State, s.Steps, s.RejectedSteps, s.Evaluations);

    /// <summary>
    /// Euler-Maruyama on the reverse SDE dy = [f - g²·s] dt + g dW (dt &lt; 0), each step preceded by
    /// <see cref="SamplerOptions.CorrectorSteps"/> Langevin steps; the last step adds no noise (score_sde's denoising end).
    /// </summary>
    private static SampleResult ReverseSde(INoiseProcess process, Func<Tensor, Tensor, Tensor> score, Tensor yT, double end,
        SamplerOptions options, Generator generator, CancellationToken cancellationToken)
    {
        var dt = (end - process.T) / options.Steps;
        var y = yT.clone();
        for (var i = 0; i < options.Steps; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var t = process.T + (i * dt);
            using var scope = NewDisposeScope();
            var current = y;
            for (var c = 0; c < options.CorrectorSteps; c++) current = LangevinCorrector.Step(score, current, t, options.Snr, generator);
            var times = ProbabilityFlow.Times(current, t);
            var g = process.Diffusion(t);
            var drift = process.Drift(current, times).PlusScaled(score(current, times), -g * g);
            var next = current.PlusScaled(drift, dt);
            if (i < options.Steps - 1)
                next.AddScaledInPlace(randn(current.shape, dtype: current.dtype, generator: generator).to(current.device), g * Math.Sqrt(-dt));
            next.MoveToOuterDisposeScope();
            y.Dispose();
            y = next;
        }
        return new SampleResult(y, options.Steps, 0, options.Steps * (1 + options.CorrectorSteps));
    }

    /// <summary>
    /// Predictor-corrector on the grid t_i = T + i·dt, dt = (end - T)/Steps: at each t_i, <see cref="SamplerOptions.CorrectorSteps"/>
    /// Langevin steps, then the reverse-diffusion predictor to t_(i+1); the last predictor step adds no noise
    /// (score_sde's denoising end).
    /// </summary>
    private static SampleResult PredictorCorrector(INoiseProcess process, Func<Tensor, Tensor, Tensor> score, Tensor yT, double end,
        SamplerOptions options, Generator generator, CancellationToken cancellationToken)
    {
        var dt = (end - process.T) / options.Steps;
        var y = yT.clone();
        for (var i = 0; i < options.Steps; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var t = process.T + (i * dt);
            var next = i == options.Steps - 1 ? end : process.T + ((i + 1) * dt);
            using var scope = NewDisposeScope();
            var current = y;
            for (var c = 0; c < options.CorrectorSteps; c++) current = LangevinCorrector.Step(score, current, t, options.Snr, generator);
            var stepped = ReverseDiffusionPredictor.Step(process, score, current, t, next, addNoise: i < options.Steps - 1, generator).MoveToOuterDisposeScope();
            y.Dispose();
            y = stepped;
        }
        return new SampleResult(y, options.Steps, 0, options.Steps * (1 + options.CorrectorSteps));
    }
}
