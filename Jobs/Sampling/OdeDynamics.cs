using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Sampling;

/// <summary>
/// The right-hand side dy/dt = F(t, y) of an ODE on a state tensor of any shape ([N x ...]). It returns a new tensor of
/// the state's shape and dtype, in the caller's dispose scope.
/// </summary>
public delegate Tensor OdeDynamics(double t, Tensor state);

/// <summary>The end state of an ODE solve with its cost: accepted steps, rejected steps and evaluations of F (NFE).</summary>
public sealed record OdeSolution(Tensor State, int Steps, int RejectedSteps, int Evaluations);
