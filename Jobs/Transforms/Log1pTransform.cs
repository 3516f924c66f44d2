using ScoreBatch.Jobs.Runtime;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Transforms;

/// <summary>
/// Model space of the released galaxy priors (SCIENCE.md 4): y = ln(1 + x) / scale, scale = 0.1.
/// Chain rule: g_x = g_y / (scale·(1 + x)); with <see cref="IncludeLogJacobian"/> also -1/(1 + x), the gradient of
/// ln|dy/dx| = -ln(scale) - ln(1 + x), which the original leaves out. x &lt;= -1 is outside the domain: an error.
/// </summary>
public sealed class Log1pTransform : IDataTransform
{
    /// <summary>The released priors' scale: 0.1 (peak 1 maps to y = 6.93).</summary>
    public const double DefaultScale = 0.1;

    public Log1pTransform(double scale = DefaultScale, bool includeLogJacobian = false)
    {
        if (!(scale > 0) || !double.IsFinite(scale)) throw new ArgumentOutOfRangeException(nameof(scale), scale, "scale must be positive");
        Scale = scale;
        IncludeLogJacobian = includeLogJacobian;
    }

    public double Scale { get; }

    public bool IncludeLogJacobian { get; }

    public DataTransformSpec Spec => new(DataTransforms.Log1p, new Dictionary<string, double>
    {
        ["scale"] = Scale,
        ["log_jacobian"] = IncludeLogJacobian ? 1 : 0,
    });

    public Tensor Forward(Tensor x)
    {
        CheckDomain(x);
        using var scope = NewDisposeScope(); // roots log1p(x) even when the caller has no scope (TorchScalars)
        return log1p(x).DividedBy(Scale).MoveToOuterDisposeScope();
    }

    public Tensor Inverse(Tensor y)
    {
        using var scope = NewDisposeScope();
        return expm1(y.Times(Scale)).MoveToOuterDisposeScope();
    }

    public Tensor ChainRule(Tensor scoreY, Tensor x)
    {
        CheckDomain(x);
        using var scope = NewDisposeScope();
        var onePlusX = x.Plus(TorchScalars.One);
        var g = scoreY / onePlusX.Times(Scale);
        if (IncludeLogJacobian) g = g - onePlusX.reciprocal();
        return g.MoveToOuterDisposeScope();
    }

    /// <summary>ln|dy/dx| = -ln(scale) - ln(1 + x).</summary>
    public Tensor LogAbsDerivative(Tensor x)
    {
        CheckDomain(x);
        using var scope = NewDisposeScope();
        return log1p(x).neg().Minus(Math.Log(Scale)).MoveToOuterDisposeScope();
    }

    public double DomainMin => -1;

    private static void CheckDomain(Tensor x)
    {
        using var scope = NewDisposeScope();
        var min = x.min().to(ScalarType.Float64).item<double>();
        if (!(min > -1))
            throw new ArgumentException($"log1p transform needs every pixel x > -1, got min {min}");
    }
}
