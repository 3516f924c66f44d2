using ScoreBatch.Jobs.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Training;

/// <summary>
/// AdaBelief (Zhuang et al. 2020), the galaxy priors' optimiser (SCIENCE.md 3): Adam with the second moment of the
/// gradient's deviation from its running mean instead of the raw gradient:
/// m_t = b1·m + (1 - b1)·g;  s_t = b2·s + (1 - b2)·(g - m_t)² + eps;
/// m^ = m_t / (1 - b1^t);  s^ = s_t / (1 - b2^t);  theta -= lr · m^ / (sqrt(s^) + eps).
/// Constant rate (times <see cref="LearningRateScale"/>, the trainer's warm-up), no weight decay, no clipping. (optax's scale_by_belief uses g - m_{t-1}; this follows the paper.)
/// </summary>
public sealed class AdaBelief : IScoreOptimizer
{
    private const int StateFormat = 1;
    private readonly Tensor[] parameters;
    private readonly Tensor[] firstMoment;
    private readonly Tensor[] belief;

    public AdaBelief(IEnumerable<Tensor> parameters, double lr = 3e-4, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-16)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(lr > 0)) throw new ArgumentOutOfRangeException(nameof(lr), lr, "learning rate must be positive");
        if (!(beta1 >= 0 && beta1 < 1)) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "beta1 must be in [0, 1)");
        if (!(beta2 >= 0 && beta2 < 1)) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "beta2 must be in [0, 1)");
        if (!(eps >= 0)) throw new ArgumentOutOfRangeException(nameof(eps), eps, "eps must be >= 0");
        this.parameters = parameters.ToArray();
        LearningRate = lr;
        Beta1 = beta1;
        Beta2 = beta2;
        Eps = eps;
        firstMoment = this.parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();
        belief = this.parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();
    }

    public string Name => OptimizerNames.AdaBelief;

    public double LearningRate { get; }
    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Eps { get; }
    public long StepCount { get; private set; }

    public double LearningRateScale { get; set; } = 1.0;

    public void ZeroGrad()
    {
        foreach (var p in parameters) p.grad?.zero_();
    }

    public void Step()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        StepCount++;
        // Bias corrections in double; folded into one step size and one denominator scale.
        var correction1 = 1 - Math.Pow(Beta1, StepCount);
        var correction2 = 1 - Math.Pow(Beta2, StepCount);
        var stepSize = LearningRate * LearningRateScale / correction1;
        var invSqrtCorrection2 = 1 / Math.Sqrt(correction2);
        // Explicit Scalars, alive until the end of the step (TorchScalars explains why no implicit ones).
        using var beta1 = Beta1.ToScalar();
        using var oneMinusBeta1 = (1 - Beta1).ToScalar();
        using var beta2 = Beta2.ToScalar();
        using var oneMinusBeta2 = (1 - Beta2).ToScalar();
        using var eps = Eps.ToScalar();
        using var invSqrtC2 = invSqrtCorrection2.ToScalar();
        using var minusStepSize = (-stepSize).ToScalar();
        for (var i = 0; i < parameters.Length; i++)
        {
            var g = parameters[i].grad;
            if (g is null) continue;
            var m = firstMoment[i];
            var s = belief[i];
            m.mul_(beta1).add_(g, alpha: oneMinusBeta1);
            var deviation = g - m;
            s.mul_(beta2).addcmul_(deviation, deviation, value: oneMinusBeta2).add_(eps, TorchScalars.One);
            // sqrt(s / c2) + eps = sqrt(s)·c2^-1/2 + eps
            var denominator = s.sqrt().mul_(invSqrtC2).add_(eps, TorchScalars.One);
            parameters[i].addcdiv_(m, denominator, value: minusStepSize);
        }
    }

    public void SaveState(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(StateFormat);
        writer.Write(StepCount);
        writer.Write(parameters.Length);
        for (var i = 0; i < parameters.Length; i++)
        {
            firstMoment[i].Save(writer);
            belief[i].Save(writer);
        }
    }

    public void LoadState(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var format = reader.ReadInt32();
        if (format != StateFormat) throw new InvalidDataException($"AdaBelief state format {format} is not {StateFormat}");
        var steps = reader.ReadInt64();
        var count = reader.ReadInt32();
        if (count != parameters.Length)
            throw new InvalidDataException($"AdaBelief state holds {count} parameter tensors, the model has {parameters.Length}");
        using var noGrad = no_grad();
        for (var i = 0; i < parameters.Length; i++)
        {
            firstMoment[i].Load(reader);
            belief[i].Load(reader);
        }
        StepCount = steps;
    }

    public void Dispose()
    {
        foreach (var t in firstMoment) t.Dispose();
        foreach (var t in belief) t.Dispose();
    }
}
