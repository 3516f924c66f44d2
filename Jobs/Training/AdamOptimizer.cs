using TorchSharp;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Training;

/// <summary>TorchSharp's built-in Adam behind <see cref="IScoreOptimizer"/> (betas 0.9, 0.999; eps 1e-8).</summary>
public sealed class AdamOptimizer : IScoreOptimizer
{
    private const int StateFormat = 1;
    private readonly TorchSharp.Modules.Adam adam;

    public AdamOptimizer(IEnumerable<TorchSharp.Modules.Parameter> parameters, double lr = 3e-4)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(lr > 0)) throw new ArgumentOutOfRangeException(nameof(lr), lr, "learning rate must be positive");
        adam = optim.Adam(parameters, lr);
    }

    public string Name => OptimizerNames.Adam;

    public long StepCount { get; private set; }

    public void ZeroGrad() => adam.zero_grad();

    public void Step()
    {
        adam.step();
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
