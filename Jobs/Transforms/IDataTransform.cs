using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Transforms;

/// <summary>
/// Maps data x (non-negative, peak-normalised images) to the model space y in which the network was trained, and
/// maps scores back by the chain rule. Part of a model's saved options (<see cref="Spec"/>).
/// All tensors are [N x 1 x H x W] (any shape works elementwise).
/// </summary>
public interface IDataTransform
{
    /// <summary>Name and parameters, enough to rebuild this transform with <see cref="DataTransforms.Create(DataTransformSpec)"/>.</summary>
    DataTransformSpec Spec { get; }

    /// <summary>y = forward(x). Throws <see cref="ArgumentException"/> for x outside the transform's domain.</summary>
    Tensor Forward(Tensor x);

    /// <summary>x = inverse(y).</summary>
    Tensor Inverse(Tensor y);

    /// <summary>
    /// Score in data space from the score in model space: g_x = g_y · dy/dx (+ d/dx ln|dy/dx| when the transform's
    /// log-Jacobian option is on). <paramref name="scoreY"/> and <paramref name="x"/> have the same shape.
    /// </summary>
    Tensor ChainRule(Tensor scoreY, Tensor x);

    /// <summary>
    /// ln|dy/dx| per element, the log-Jacobian of the change of variables: log p_x(x) = log p_y(forward(x)) + the sum
    /// of this over pixels (what makes likelihoods comparable across transforms). Same shape as <paramref name="x"/>.
    /// </summary>
    Tensor LogAbsDerivative(Tensor x);

    /// <summary>The smallest valid x (exclusive), or -infinity: -1 for log1p. Iterative methods (cleaning) stay above it.</summary>
    double DomainMin => double.NegativeInfinity;
}
