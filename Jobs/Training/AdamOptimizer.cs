using ScoreBatch.Jobs.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Training;

/// <summary>
/// Adam (betas 0.9, 0.999; eps 1e-8) behind <see cref="IScoreOptimizer"/>. TorchSharp's <see cref="Adam"/> holds
/// the moments and writes and reads the state, but <see cref="Step"/> does the update itself: Adam.step creates
/// its beta, eps and step-size Scalars as temporaries that another thread's garbage collection can free during
/// the native call (see <see cref="TorchScalars"/>). The update is Adam.step's of TorchSharp 0.107, operation for
/// operation, on the same state, so steps and saved states are bit-identical to it (a test pins this).
/// </summary>
public sealed class AdamOptimizer : IScoreOptimizer
{
    private const int StateFormat = 1;
    private readonly Parameter[] parameters;
    private readonly Adam adam;

    public AdamOptimizer(IEnumerable<Parameter> parameters, double lr = 3e-4)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(lr > 0)) throw new ArgumentOutOfRangeException(nameof(lr), lr, "learning rate must be positive");
        this.parameters = parameters.ToArray();
        adam = optim.Adam(this.parameters, lr);
    }

    public string Name => OptimizerNames.Adam;

    public long StepCount { get; private set; }

    public double LearningRateScale { get; set; } = 1.0;

    public void ZeroGrad() => adam.zero_grad();

    public void Step()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        // One parameter group; its options are the ones LoadState restored. The states are in parameter order.
        var options = ((Adam.ParamGroup)adam.ParamGroups.Single()).Options;
        if (options.amsgrad == true || options.maximize == true || options.weight_decay != 0)
            throw new InvalidOperationException("AdamOptimizer implements plain Adam only (no amsgrad, maximize or weight decay)");
        double beta1 = options.beta1!.Value, beta2 = options.beta2!.Value, eps = options.eps!.Value;
        var lr = options.LearningRate!.Value * LearningRateScale;
        var states = adam.state_dict().State;
        using var beta1Scalar = beta1.ToScalar();
        using var oneMinusBeta1 = (1 - beta1).ToScalar();
        using var beta2Scalar = beta2.ToScalar();
        using var oneMinusBeta2 = (1 - beta2).ToScalar();
        using var epsScalar = eps.ToScalar();
        for (var i = 0; i < parameters.Length; i++)
        {
            var grad = parameters[i].grad;
            if (grad is null) continue;
            var state = (Adam.State)states[i];
            state.step += 1;
            var biasCorrection1 = 1 - Math.Pow(beta1, state.step);
            var biasCorrection2 = 1 - Math.Pow(beta2, state.step);
            state.exp_avg.mul_(beta1Scalar).add_(grad, alpha: oneMinusBeta1);
            state.exp_avg_sq.mul_(beta2Scalar).addcmul_(grad, grad, value: oneMinusBeta2); // grad.conj() is grad for real tensors
            var denominator = state.exp_avg_sq.sqrt().DividedBy(Math.Sqrt(biasCorrection2)).add_(epsScalar, TorchScalars.One);
            using var minusStepSize = (-(lr / biasCorrection1)).ToScalar();
            parameters[i].addcdiv_(state.exp_avg, denominator, value: minusStepSize);
        }
        StepCount++;
    }

    public void SaveState(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(StateFormat);
        writer.Write(StepCount);
        adam.save_state_dict(writer);
    }

    public void LoadState(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var format = reader.ReadInt32();
        if (format != StateFormat) throw new InvalidDataException($"Adam state format {format} is not {StateFormat}");
        var steps = reader.ReadInt64();
        adam.load_state_dict(reader);
        StepCount = steps;
    }

    public void Dispose() => adam.Dispose();
}
