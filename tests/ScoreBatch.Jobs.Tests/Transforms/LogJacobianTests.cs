using ScoreBatch.Jobs.Transforms;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Tests.Transforms;

public class LogJacobianTests
{
    public static TheoryData<string> Transforms => new() { "log1p", "standardize", "identity" };

    private static IDataTransform Create(string name) => name switch
    {
        "log1p" => new Log1pTransform(),
        "standardize" => new StandardizeTransform(0.023, 0.11),
        _ => new IdentityTransform(),
    };

    [Theory]
    [MemberData(nameof(Transforms))]
    public void LogAbsDerivative_MatchesAutogradOfForward(string name)
    {
        // The change of variables checked on its own: ln|dy/dx| from the transform equals the log of the derivative of
        // Forward that autograd computes, pixel by pixel.
        var transform = Create(name);
        using var x = (rand([2, 1, 4, 4], ScalarType.Float64) * 3 - 0.5).requires_grad_(true);
        using var y = transform.Forward(x);
        using var dydx = autograd.grad([y], [x], [ones_like(y)])[0];
        using var expected = dydx.abs().log();
        using var actual = transform.LogAbsDerivative(x.detach());
        Assert.True((actual - expected).abs().max().item<double>() < 1e-12);
    }

    [Fact]
    public void LogAbsDerivative_Log1p_IntegratesDensityToOne()
    {
        // A density through the change of variables must still integrate to 1: p_x(x) = N(y(x); 2, 1)·|dy/dx| on a fine
        // grid of x (the standard normal in y covers x in (-1, expm1(0.1·9)) with negligible mass outside).
        var transform = new Log1pTransform();
        using var x = linspace(-0.9999, Math.Exp(0.9) - 1, 400_001, ScalarType.Float64).view(1, 1, 1, -1);
        using var y = transform.Forward(x);
        using var logPx = (-0.5 * (y - 2).pow(2)) - (0.5 * Math.Log(2 * Math.PI)) + transform.LogAbsDerivative(x);
        var dx = (x[0, 0, 0, 1] - x[0, 0, 0, 0]).item<double>();
        var integral = logPx.exp().sum().item<double>() * dx;
        Assert.InRange(integral, 0.999, 1.001);
    }
}
