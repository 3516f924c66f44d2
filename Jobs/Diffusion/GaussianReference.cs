using ScoreBatch.Jobs.Runtime;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Diffusion;

/// <summary>
/// Closed forms for data y0 ~ N(mu, v·I) under the VP process (SCIENCE.md 8): the exact noised score and the
/// minimum of the s²-weighted denoising loss. They are the honest yardsticks for the loss and for trained models.
/// </summary>
public static class GaussianReference
{
    /// <summary>
    /// Minimum over all score functions of the loss averaged over t ~ U(0, T), for the VP process with beta = 1:
    /// L* = (1/T)·v/(v - 1)·ln(v / (1 + (v - 1)·e^-T)), with the limit (1 - e^-T)/T at v = 1.
    /// (Per pixel: E[(s·score + z)²] at the optimum is 1 - s²/(a²v + s²) = a²v/(a²v + s²); integrate over t.)
    /// </summary>
    public static double MinimumLoss(double v, double t = 10.0)
    {
        if (!(v > 0)) throw new ArgumentOutOfRangeException(nameof(v), v, "variance must be positive");
        if (Math.Abs(v - 1) < 1e-9) return -double.ExpM1(-t) / t;
        return 1.0 / t * v / (v - 1) * Math.Log(v / (1 + (v - 1) * Math.Exp(-t)));
    }

    /// <summary>
    /// Minimum of the sigma²-weighted loss under the VE process (a = 1, s = sigma(t) = sigma_min·r^(t/T),
    /// r = sigma_max/sigma_min) for t ~ U(eps·T, T). Per pixel the optimum leaves v/(v + sigma²); with u = sigma²,
    /// du = 2·ln(r)/T·u dt, the integral of v/(v + u) is T/(2 ln r)·ln(u/(v + u)), so
    /// L* = 1/((1 - eps)·2·ln r)·ln(sigma_1²·(v + sigma_0²) / (sigma_0²·(v + sigma_1²))) with sigma_0 = sigma(eps·T),
    /// sigma_1 = sigma_max.
    /// </summary>
    public static double MinimumLossVe(double v, double sigmaMin = 0.01, double sigmaMax = 50.0, double epsilon = VeProcess.Epsilon)
    {
        if (!(v > 0)) throw new ArgumentOutOfRangeException(nameof(v), v, "variance must be positive");
        var logRatio = Math.Log(sigmaMax / sigmaMin);
        var s0 = sigmaMin * Math.Exp(logRatio * epsilon);
        double s02 = s0 * s0, s12 = sigmaMax * sigmaMax;
        return Math.Log(s12 * (v + s02) / (s02 * (v + s12))) / ((1 - epsilon) * 2 * logRatio);
    }

    /// <summary>
    /// Exact score of the noised Gaussian: -(y - a·mu) / (a²v + s²), as a callable (y [N x ...], t [N]) -> [N x ...].
    /// </summary>
    public static Func<Tensor, Tensor, Tensor> ExactScore(INoiseProcess process, double mu, double v) => (y, t) =>
    {
        using var scope = NewDisposeScope();
        var shape = new long[y.dim()];
        Array.Fill(shape, 1L);
        shape[0] = y.shape[0];
        var a = process.MarginalMean(t.to(ScalarType.Float64)).view(shape);
        var s = process.MarginalStd(t.to(ScalarType.Float64)).view(shape);
        var variance = a.Squared().Times(v).Plus(s.Squared());
        return ((y.to(ScalarType.Float64) - a.Times(mu)).neg() / variance).to(y.dtype).MoveToOuterDisposeScope();
    };
}
