using TorchSharp;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Training;

/// <summary>
/// Exponential moving average of a network's parameters (the ncsnpp recipe, decay 0.999; Song et al. 2021):
/// after every optimiser step, ema = decay·ema + (1 - decay)·theta, starting from the initial weights, so after k
/// steps ema_k = decay^k·theta_0 + Σ_i (1 - decay)·decay^(k-i)·theta_i. Scoring, sampling and exports use these
/// weights (a checkpoint carries them next to the raw ones, and <see cref="Checkpoint.CreateModel"/> loads them);
/// the optimiser keeps training the raw ones. The state (decay, updates, averages) round-trips exactly.
/// </summary>
public sealed class ExponentialMovingAverage : IDisposable
{
    private const int StateFormat = 1;
    private readonly Tensor[] parameters;
    private readonly Tensor[] averages;

    /// <param name="parameters">The trained parameters, in the model's order; the averages start as copies of them.</param>
    /// <param name="decay">In (0, 1).</param>
    public ExponentialMovingAverage(IEnumerable<Tensor> parameters, double decay)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(decay > 0 && decay < 1)) throw new ArgumentOutOfRangeException(nameof(decay), decay, "the EMA decay must be in (0, 1)");
        Decay = decay;
        this.parameters = parameters.ToArray();
        using var noGrad = no_grad();
        averages = this.parameters.Select(p => p.detach().clone().DetachFromDisposeScope()).ToArray();
    }

    public double Decay { get; }

    /// <summary>Updates applied so far.</summary>
    public long Updates { get; private set; }

    /// <summary>The averages, in parameter order (owned by this object).</summary>
    public IReadOnlyList<Tensor> Averages => averages;

    /// <summary>ema = decay·ema + (1 - decay)·theta for every parameter.</summary>
    public void Update()
    {
        using var noGrad = no_grad();
        using var decay = Decay.ToScalar();
        using var rest = (1 - Decay).ToScalar();
        for (var i = 0; i < parameters.Length; i++) averages[i].mul_(decay).add_(parameters[i], alpha: rest);
        Updates++;
    }

    public void SaveState(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(StateFormat);
        writer.Write(Decay);
        writer.Write(Updates);
        writer.Write(averages.Length);
        foreach (var a in averages) a.Save(writer);
    }

    /// <summary>Restores a state written by <see cref="SaveState"/> for the same parameters; throws on any mismatch.</summary>
    public void LoadState(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var (decay, updates) = ReadHeader(reader, averages.Length);
        if (decay != Decay) throw new InvalidDataException($"EMA state has decay {decay}, this run uses {Decay}");
        using var noGrad = no_grad();
        foreach (var a in averages) a.Load(reader);
        Updates = updates;
    }

    /// <summary>Copies the averages of a saved state straight into <paramref name="model"/>'s parameters (for scoring and export).</summary>
    public static void LoadAveragesInto(nn.Module model, BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(reader);
        var targets = model.parameters().ToArray();
        ReadHeader(reader, targets.Length);
        using var noGrad = no_grad();
        foreach (var p in targets) p.Load(reader);
    }

    private static (double Decay, long Updates) ReadHeader(BinaryReader reader, int expectedCount)
    {
        var format = reader.ReadInt32();
        if (format != StateFormat) throw new InvalidDataException($"EMA state format {format} is not {StateFormat}");
        var decay = reader.ReadDouble();
        var updates = reader.ReadInt64();
        var count = reader.ReadInt32();
        if (count != expectedCount) throw new InvalidDataException($"EMA state holds {count} parameter tensors, the model has {expectedCount}");
        return (decay, updates);
    }

    public void Dispose()
    {
        foreach (var a in averages) a.Dispose();
    }
}
