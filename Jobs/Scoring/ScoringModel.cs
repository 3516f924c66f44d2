using ScoreBatch.Jobs.Model;
using ScoreBatch.Jobs.Training;
using ScoreBatch.Jobs.Transforms;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Scoring;

/// <summary>
/// A prior loaded for scoring: the network in evaluation mode on its device, the data transform it was trained
/// in, and its input size. <see cref="CreateScorer"/> wraps it in a <see cref="Scorer"/>.
/// </summary>
public sealed class ScoringModel : IDisposable
{
    private readonly ScoreNet _network;

    private ScoringModel(ScoreNet network, IDataTransform transform, Device device)
    {
        _network = network;
        Transform = transform;
        Device = device;
        network.eval();
    }

    public IDataTransform Transform { get; }

    public Device Device { get; }

    /// <summary>Architecture of the network, e.g. "mixer" (written into FITS score maps).</summary>
    public string Architecture => _network.Options.Architecture;

    /// <summary>Side of the square model input.</summary>
    public int ImageSize => _network.Options.ImageSize;

    /// <summary>Loads a checkpoint (strictly, built on the CPU, then moved to <paramref name="device"/>); errors name <paramref name="source"/>.</summary>
    public static ScoringModel Load(Stream stream, string source, Device device) => FromCheckpoint(Checkpoint.Load(stream, source), device);

    /// <summary>The prior held by <paramref name="checkpoint"/> (a loaded one, or an imported .eqx prior) on <paramref name="device"/>.</summary>
    public static ScoringModel FromCheckpoint(Checkpoint checkpoint, Device device)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        return new ScoringModel(checkpoint.CreateModel(device), checkpoint.CreateTransform(), device);
    }

    /// <summary>Wraps an already built network (tests, imported priors); the scoring model takes ownership and disposes it.</summary>
    public static ScoringModel FromNetwork(ScoreNet network, IDataTransform transform, Device? device = null) =>
        new(network, transform, device ?? CPU);

    /// <summary>s_theta(y [N x 1 x H x W], t [N]) -> [N x 1 x H x W].</summary>
    public Tensor Score(Tensor y, Tensor t) => _network.forward(y, t);

    /// <summary>A scorer for this prior with <paramref name="options"/>.</summary>
    public Scorer CreateScorer(ScoringOptions options) => new(Score, Transform, ImageSize, ImageSize, options, Device);

    public void Dispose() => _network.Dispose();
}
