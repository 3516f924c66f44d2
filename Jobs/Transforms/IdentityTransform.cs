using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Transforms;

/// <summary>y = x: models trained directly on the data. The chain rule is the identity.</summary>
public sealed class IdentityTransform : IDataTransform
{
    public DataTransformSpec Spec => new(DataTransforms.Identity, new Dictionary<string, double>());

    public Tensor Forward(Tensor x) => x.alias();

    public Tensor Inverse(Tensor y) => y.alias();

    public Tensor ChainRule(Tensor scoreY, Tensor x) => scoreY.alias();

    /// <summary>ln|dy/dx| = 0.</summary>
    public Tensor LogAbsDerivative(Tensor x) => zeros_like(x);
}
