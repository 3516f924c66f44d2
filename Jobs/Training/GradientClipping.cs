using ScoreBatch.Jobs.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Training;

/// <summary>
/// Clipping of the global gradient norm (the ncsnpp recipe, 1.0), as torch.nn.utils.clip_grad_norm_: with
/// n = sqrt(Σ |g|²) over all parameters, every gradient is multiplied by max/(n + 1e-6) when that is below 1.
/// Written with explicit Scalars (<see cref="TorchScalars"/>).
/// </summary>
public static class GradientClipping
{
    /// <summary>Clips the gradients of <paramref name="parameters"/> in place; returns the norm before clipping.</summary>
    public static double ClipByTotalNorm(IEnumerable<Tensor> parameters, double maxNorm)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(maxNorm > 0) || !double.IsFinite(maxNorm)) throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "the clipping norm must be positive");
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var grads = parameters.Select(p => p.grad).OfType<Tensor>().ToList();
        if (grads.Count == 0) return 0;
        var squares = grads.Select(g => g.to(ScalarType.Float64).Squared().sum()).ToList();
        var norm = Math.Sqrt(stack(squares).sum().item<double>());
        var coefficient = maxNorm / (norm + 1e-6);
        if (coefficient < 1)
        {
            using var c = coefficient.ToScalar();
            foreach (var g in grads) g.mul_(c);
        }
        return norm;
    }
}
