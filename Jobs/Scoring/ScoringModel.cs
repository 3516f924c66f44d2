using ScoreBatch.Jobs.Diffusion;
using ScoreBatch.Jobs.Model;
using ScoreBatch.Jobs.Model.Onnx;
using ScoreBatch.Jobs.Training;
using ScoreBatch.Jobs.Transforms;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Scoring;

/// <summary>
/// A prior loaded for scoring: the network in evaluation mode on its device, the noise process and data transform
/// it was trained in (one <see cref="ScorePrior"/>), and its input size. <see cref="CreateScorer"/> wraps it in a
/// <see cref="Scorer"/>.
/// </summary>
public sealed class ScoringModel : IDisposable
{
    private readonly ScoreNet _network;

    private ScoringModel(ScorePrior prior, Device device, string modelSha256)
    {
        ModelSha256 = modelSha256;
        Prior = prior;
        _network = prior.Network;
        Device = device;
        _network.eval();
    }

    public ScorePrior Prior { get; }

    /// <summary>SHA-256 of the checkpoint's weights (empty for a network built in memory): what a calibration is tied to.</summary>
    public string ModelSha256 { get; }

    public IDataTransform Transform => Prior.Transform;

    public INoiseProcess Process => Prior.Process;

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
        return new ScoringModel(checkpoint.CreatePrior(device), device, checkpoint.Header.PayloadSha256);
    }

    /// <summary>
    /// Wraps an already built network (tests, imported priors) trained under <paramref name="process"/> (default VP,
    /// beta 1, T 10); the scoring model takes ownership and disposes it.
    /// </summary>
    public static ScoringModel FromNetwork(ScoreNet network, IDataTransform transform, Device? device = null, INoiseProcess? process = null) =>
        new(new ScorePrior(network, process ?? NoiseProcesses.Create(NoiseProcesses.Default), transform), device ?? CPU, "");

    private OnnxScoreNet? _onnx;

    /// <summary>
    /// Runs <see cref="Score"/> (and so every scorer of this model) on <paramref name="requested"/> (auto, torch or onnx;
    /// <see cref="ScoringRuntime.Resolve"/>) and returns the engine chosen. ONNX Runtime gets the scoring lanes' thread
    /// count per call. Call it after any change of the weights or their precision: the ONNX graph copies the weights.
    /// </summary>
    public string UseRuntime(string requested, bool lowPrecision = false)
    {
        var runtime = ScoringRuntime.Resolve(requested, _network, Device, lowPrecision);
        _onnx?.Dispose();
        _onnx = runtime == ScoringRuntime.Onnx ? OnnxScoreNet.Create(_network, ScoringLanes.Shared.ThreadsPerLane) : null;
        return runtime;
    }

    /// <summary>
    /// s_theta(y [N x 1 x H x W], t [N]) -> [N x 1 x H x W]. On ONNX Runtime only while no gradient is asked for
    /// (scoring runs in inference mode); a caller that differentiates through the score (the likelihood's divergence)
    /// always gets libtorch's forward pass, whatever the runtime.
    /// </summary>
    public Tensor Score(Tensor y, Tensor t) =>
        _onnx is { } onnx && !is_grad_enabled() && !y.requires_grad
            ? onnx.Forward(y, ScorePrior.Conditioning(_network, Process, t))
            : Prior.Score(y, t);

    /// <summary>A scorer for this prior with <paramref name="options"/>.</summary>
    public Scorer CreateScorer(ScoringOptions options) => new(Score, Transform, ImageSize, ImageSize, options, Device, Process);

    public void Dispose()
    {
        _onnx?.Dispose();
        Prior.Dispose();
    }
}
