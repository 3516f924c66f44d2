using ScoreBatch.Jobs.Runtime;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Transforms;

/// <summary>
/// The older models' global standardisation (SCIENCE.md 4): y = (x - mean) / std (mean 0.023, std 0.11 at 32²).
/// Chain rule g_x = g_y / std; the Jacobian is constant, so there is no log-Jacobian gradient.
/// </summary>
public sealed class StandardizeTransform : IDataTransform
{
    public StandardizeTransform(double mean, double std)
    {
        if (!double.IsFinite(mean)) throw new ArgumentOutOfRangeException(nameof(mean), mean, "mean must be finite");
        if (!(std > 0) || !double.IsFinite(std)) throw new ArgumentOutOfRangeException(nameof(std), std, "std must be positive");
        Mean = mean;
        Std = std;
    }

    public double Mean { get; }

    public double Std { get; }

    public DataTransformSpec Spec => new(DataTransforms.Standardize, new Dictionary<string, double> { ["mean"] = Mean, ["std"] = Std });

    public Tensor Forward(Tensor x)
    {
        using var scope = NewDisposeScope(); // roots x - mean even when the caller has no scope (TorchScalars)
        return x.Minus(Mean).DividedBy(Std).MoveToOuterDisposeScope();
    }

    public Tensor Inverse(Tensor y)
    {
        using var scope = NewDisposeScope();
        return y.Times(Std).Plus(Mean).MoveToOuterDisposeScope();
    }

    public Tensor ChainRule(Tensor scoreY, Tensor x) => scoreY.DividedBy(Std);

    /// <summary>ln|dy/dx| = -ln(std) everywhere.</summary>
    public Tensor LogAbsDerivative(Tensor x) => TorchScalars.Full(x.shape, -Math.Log(Std), x.dtype, x.device);
}
