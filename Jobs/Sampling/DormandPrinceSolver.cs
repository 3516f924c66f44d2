using ScoreBatch.Jobs.Runtime;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Sampling;

/// <summary>
/// Adaptive Dormand-Prince RK5(4) (the RK45 of scipy's solve_ivp and of score_sde's likelihood): a fifth-order step
/// with an embedded fourth-order error estimate, first-same-as-last (6 new NFE per attempted step), step size from the
/// RMS of err / (atol + rtol·max(|y|, |y_new|)) over the whole state with safety 0.9 and growth in [0.2, 10].
/// Integrates from t0 to t1 in either direction and lands exactly on t1.
/// </summary>
public static class DormandPrinceSolver
{
    // Butcher tableau (Dormand & Prince 1980). Rows of A, the fifth-order weights B (= the last row, FSAL) and
    // E = B - B* (the fourth-order weights), used for the error estimate.
    private static readonly double[] C = [0, 1.0 / 5, 3.0 / 10, 4.0 / 5, 8.0 / 9, 1, 1];

    private static readonly double[][] A =
    [
        [],
        [1.0 / 5],
        [3.0 / 40, 9.0 / 40],
        [44.0 / 45, -56.0 / 15, 32.0 / 9],
        [19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729],
        [9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656],
        [35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84],
    ];

    private static readonly double[] E =
        [71.0 / 57600, 0, -71.0 / 16695, 71.0 / 1920, -17253.0 / 339200, 22.0 / 525, -1.0 / 40];

    /// <summary>Integrates <paramref name="f"/> from (<paramref name="t0"/>, <paramref name="y0"/>) to <paramref name="t1"/>.</summary>
    /// <exception cref="InvalidOperationException">More than <see cref="AdaptiveOptions.MaxSteps"/> attempts, or a non-finite error.</exception>
    public static OdeSolution Solve(OdeDynamics f, Tensor y0, double t0, double t1, AdaptiveOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(y0);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var direction = Math.Sign(t1 - t0);
        var y = y0.detach().clone();
        if (direction == 0) return new OdeSolution(y, 0, 0, 0);
        var span = Math.Abs(t1 - t0);
        var k1 = f(t0, y);
        int evaluations = 1, accepted = 0, rejected = 0;
        var h = InitialStep(y, k1, span, options);
        var t = t0;
        while (direction * (t1 - t) > 1e-12 * span)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (accepted + rejected >= options.MaxSteps)
                throw new InvalidOperationException($"RK45 took more than {options.MaxSteps} steps from t={t0} to t={t1} (at t={t}, h={h:g3}); loosen rtol/atol or check the score for NaN");
            h = Math.Min(h, Math.Abs(t1 - t));
            var step = direction * h;
            using var scope = NewDisposeScope();
            var k = new Tensor[7];
            k[0] = k1;
            Tensor next = y;
            for (var s = 1; s < 7; s++)
            {
                var stage = y.clone();
                for (var j = 0; j < s; j++)
                    if (A[s][j] != 0) stage.AddScaledInPlace(k[j], step * A[s][j]);
                k[s] = f(t + (C[s] * step), stage);
                next = stage; // the last stage is the fifth-order solution (B = A's last row)
            }
            evaluations += 6;
            var error = zeros_like(y);
            for (var j = 0; j < 7; j++)
                if (E[j] != 0) error.AddScaledInPlace(k[j], step * E[j]);
            var tolerance = maximum(y.abs(), next.abs()).Times(options.RelativeTolerance).Plus(options.AbsoluteTolerance);
            var norm = (error / tolerance).Squared().mean().sqrt().to(ScalarType.Float64).item<double>();
            if (!double.IsFinite(norm))
                throw new InvalidOperationException($"RK45 error estimate is not finite at t={t}: the dynamics returned NaN or Inf");
            if (norm <= 1)
            {
                t = Math.Abs(t1 - (t + step)) <= 1e-12 * span ? t1 : t + step;
                next.MoveToOuterDisposeScope();
                k[6].MoveToOuterDisposeScope();
                y.Dispose();
                k1.Dispose();
                y = next;
                k1 = k[6];
                accepted++;
            }
            else
            {
                rejected++;
            }
            // Standard controller: h·0.9·norm^(-1/5), growth limited to [0.2, 10] (no growth after a rejection).
            var factor = norm == 0 ? 10 : Math.Clamp(0.9 * Math.Pow(norm, -0.2), 0.2, norm <= 1 ? 10 : 1);
            h *= factor;
        }
        k1.Dispose();
        return new OdeSolution(y, accepted, rejected, evaluations);
    }

    /// <summary>h0 = 0.01·RMS(y/scale)/RMS(F/scale) (Hairer's first guess), within [1e-6, 1]·span.</summary>
    private static double InitialStep(Tensor y, Tensor dy, double span, AdaptiveOptions options)
    {
        using var scope = NewDisposeScope();
        var scale = y.abs().Times(options.RelativeTolerance).Plus(options.AbsoluteTolerance);
        var d0 = (y / scale).Squared().mean().sqrt().to(ScalarType.Float64).item<double>();
        var d1 = (dy / scale).Squared().mean().sqrt().to(ScalarType.Float64).item<double>();
        var h = d0 < 1e-5 || d1 < 1e-5 ? 1e-6 * span : 0.01 * d0 / d1;
        return Math.Clamp(h, 1e-6 * span, span);
    }
}
