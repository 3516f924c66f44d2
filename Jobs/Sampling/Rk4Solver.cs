using ScoreBatch.Jobs.Runtime;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Sampling;

/// <summary>
/// Classical fourth-order Runge-Kutta with a fixed number of equal steps from t0 to t1 (either direction): 4 NFE per
/// step, global error O(h^4). Each step runs in its own dispose scope, so memory holds a few states whatever the count.
/// </summary>
public static class Rk4Solver
{
    /// <summary>Integrates <paramref name="f"/> from (<paramref name="t0"/>, <paramref name="y0"/>) to <paramref name="t1"/> in <paramref name="steps"/> steps.</summary>
    public static OdeSolution Solve(OdeDynamics f, Tensor y0, double t0, double t1, int steps, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(y0);
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        var h = (t1 - t0) / steps;
        var y = y0.detach().clone();
        for (var i = 0; i < steps; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var t = t0 + (i * h);
            using var scope = NewDisposeScope();
            var k1 = f(t, y);
            var k2 = f(t + (0.5 * h), y.PlusScaled(k1, 0.5 * h));
            var k3 = f(t + (0.5 * h), y.PlusScaled(k2, 0.5 * h));
            var k4 = f(t + h, y.PlusScaled(k3, h));
            var next = y.PlusScaled(k1, h / 6).AddScaledInPlace(k2, h / 3).AddScaledInPlace(k3, h / 3).AddScaledInPlace(k4, h / 6);
            next.MoveToOuterDisposeScope();
            y.Dispose();
            y = next;
        }
        return new OdeSolution(y, steps, 0, 4 * steps);
    }
}
