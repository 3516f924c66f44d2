using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ScoreBatch.Jobs.Diffusion;
using ScoreBatch.Jobs.Model;
using ScoreBatch.Jobs.Transforms;
using TorchSharp;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Training;

/// <summary>
/// A self-describing checkpoint: magic "SBCKPT\r\n", int32 little-endian header length, UTF-8 JSON
/// <see cref="CheckpointHeader"/>, then the model's weights (TorchSharp state format, keys = field paths), the
/// optimiser state and the EMA state (<see cref="ExponentialMovingAverage"/>; absent when training kept none). When
/// an EMA is present, <see cref="CreateModel"/> (scoring, sampling, export) loads the averaged weights; resuming
/// restores both. Stored as one blob or file. Loading is strict: wrong magic, an unknown format or architecture
/// version, a truncated or altered payload, or weights that do not fit the described network all fail with a
/// message naming <see cref="Source"/>.
/// </summary>
public sealed class Checkpoint
{
    private static readonly byte[] Magic = "SBCKPT\r\n"u8.ToArray();
    private const int MaxHeaderBytes = 16 << 20;

    private Checkpoint(CheckpointHeader header, byte[] modelState, byte[] optimizerState, byte[] emaState, string source)
    {
        Header = header;
        ModelState = modelState;
        OptimizerState = optimizerState;
        EmaState = emaState;
        Source = source;
    }

    public CheckpointHeader Header { get; }

    /// <summary>File or blob name, used in every error message.</summary>
    public string Source { get; }

    internal byte[] ModelState { get; }

    internal byte[] OptimizerState { get; }

    internal byte[] EmaState { get; }

    /// <summary>Everything needed to resume <paramref name="trainer"/> exactly; <paramref name="transform"/> is the data space it trains in.</summary>
    public static Checkpoint Capture(Trainer trainer, IDataTransform transform, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        ArgumentNullException.ThrowIfNull(transform);
        var optimizer = Serialize(trainer.Optimizer.SaveState);
        var ema = trainer.Ema is { } average ? Serialize(average.SaveState) : [];
        return Build(trainer.Model, transform, trainer.Process.Spec, optimizer, ema, time, h => h with
        {
            EmaDecay = trainer.Ema?.Decay,
            Trainer = trainer.Options,
            Step = trainer.Step,
            DataEpoch = trainer.DataEpoch,
            DataOffset = trainer.DataOffset,
            NoiseGeneratorState = Convert.ToBase64String(trainer.NoiseGeneratorState()),
            Optimizer = trainer.Optimizer.Name,
            LossTail = trainer.LossTail.ToArray(),
        });
    }

    /// <summary>
    /// A model-only checkpoint (no optimiser state), e.g. the final model of a run or an imported prior, trained under
    /// <paramref name="process"/> (default <see cref="NoiseProcesses.Default"/>, the released priors' VP).
    /// </summary>
    public static Checkpoint FromModel(ScoreNet model, IDataTransform transform, long step = 0, TrainerOptions? trainer = null,
        TimeProvider? time = null, NoiseProcessSpec? process = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(transform);
        return Build(model, transform, process ?? NoiseProcesses.Default, [], [], time, h => h with { Step = step, Trainer = trainer });
    }

    /// <summary>
    /// The model a run hands out: a model-only checkpoint of <paramref name="trainer"/>'s network whose weights are
    /// its moving average when it keeps one (what scoring and sampling use), else the trained weights.
    /// </summary>
    public static Checkpoint FinalModel(Trainer trainer, IDataTransform transform, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        ArgumentNullException.ThrowIfNull(transform);
        if (trainer.Ema is null)
            return FromModel(trainer.Model, transform, trainer.Step, trainer.Options, time, trainer.Process.Spec);
        using var averaged = ScoreNetFactory.Create(trainer.Model.Options);
        using (var noGrad = no_grad())
        {
            // Buffers (the Fourier frequencies) from the trained model, parameters from the average.
            foreach (var ((_, target), (_, source)) in averaged.named_buffers().Zip(trainer.Model.named_buffers())) target.copy_(source);
            foreach (var (target, average) in averaged.parameters().Zip(trainer.Ema.Averages)) target.copy_(average);
        }
        return FromModel(averaged, transform, trainer.Step, trainer.Options, time, trainer.Process.Spec);
    }

    /// <summary>Writes the checkpoint to <paramref name="stream"/>.</summary>
    public void Save(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var json = JsonSerializer.SerializeToUtf8Bytes(Header, CheckpointJsonContext.Default.CheckpointHeader);
        stream.Write(Magic);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, json.Length);
        stream.Write(length);
        stream.Write(json);
        stream.Write(ModelState);
        stream.Write(OptimizerState);
        stream.Write(EmaState);
    }

    /// <summary>Reads and verifies a checkpoint; <paramref name="source"/> (file or blob name) appears in every error.</summary>
    public static Checkpoint Load(Stream stream, string source)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var magic = new byte[Magic.Length];
        var magicRead = stream.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false);
        if (magicRead < Magic.Length || !magic.AsSpan().SequenceEqual(Magic))
            throw new InvalidDataException($"{source}: not a ScoreBatch checkpoint (the file does not start with SBCKPT)");
        var headerLength = BinaryPrimitives.ReadInt32LittleEndian(ReadExactly(stream, 4, source, "header length"));
        if (headerLength <= 0 || headerLength > MaxHeaderBytes)
            throw new InvalidDataException($"{source}: corrupt checkpoint: header length {headerLength} is out of range");
        var json = ReadExactly(stream, headerLength, source, "header");
        CheckpointHeader header;
        try
        {
            header = JsonSerializer.Deserialize(json, CheckpointJsonContext.Default.CheckpointHeader)
                ?? throw new InvalidDataException($"{source}: corrupt checkpoint: empty header");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: corrupt checkpoint header: {e.Message}", e);
        }
        if (header.Format != CheckpointHeader.FormatName || header.FormatVersion != CheckpointHeader.CurrentFormatVersion)
            throw new InvalidDataException(
                $"{source}: checkpoint format '{header.Format}' version {header.FormatVersion} is not supported (expected '{CheckpointHeader.FormatName}' version {CheckpointHeader.CurrentFormatVersion})");
        int supported;
        try
        {
            supported = ScoreNetArchitectures.CurrentVersion(header.Architecture);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{source}: {e.Message}", e);
        }
        if (header.ArchitectureVersion != supported || header.Model.Architecture != header.Architecture)
            throw new InvalidDataException(
                $"{source}: architecture '{header.Architecture}' version {header.ArchitectureVersion} cannot be loaded by this build (supports version {supported})");
        if (header.ModelBytes <= 0 || header.OptimizerBytes < 0 || header.EmaBytes < 0 || header.ModelBytes + header.OptimizerBytes + header.EmaBytes > int.MaxValue)
            throw new InvalidDataException($"{source}: corrupt checkpoint: payload sizes {header.ModelBytes} + {header.OptimizerBytes} + {header.EmaBytes} are invalid");
        var model = ReadExactly(stream, (int)header.ModelBytes, source, "model weights");
        var optimizer = ReadExactly(stream, (int)header.OptimizerBytes, source, "optimiser state");
        var ema = ReadExactly(stream, (int)header.EmaBytes, source, "EMA state");
        var hash = PayloadHash(model, optimizer, ema);
        if (!string.Equals(hash, header.PayloadSha256, StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException($"{source}: corrupt checkpoint: payload SHA-256 {hash} does not match the header's {header.PayloadSha256}");
        return new Checkpoint(header, model, optimizer, ema, source);
    }

    /// <summary>Convenience: <see cref="Load(Stream, string)"/> from a file.</summary>
    public static Checkpoint Load(string path)
    {
        using var stream = File.OpenRead(path);
        return Load(stream, path);
    }

    /// <summary>
    /// The network described by the header, built on the CPU, loaded strictly, then moved to <paramref name="device"/>.
    /// Its parameters are the moving average when the checkpoint carries one (scoring, sampling and export use it).
    /// </summary>
    public ScoreNet CreateModel(Device? device = null)
    {
        var model = ScoreNetFactory.Create(Header.Model);
        LoadWeightsInto(model);
        if (EmaState.Length > 0)
        {
            try
            {
                using var reader = new BinaryReader(new MemoryStream(EmaState, writable: false));
                ExponentialMovingAverage.LoadAveragesInto(model, reader);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or EndOfStreamException or IOException)
            {
                model.Dispose();
                throw new InvalidDataException($"{Source}: the EMA weights do not fit the {Header.Architecture} network the header describes: {e.Message}", e);
            }
        }
        return device is null || device.type == DeviceType.CPU ? model : model.to(device);
    }

    /// <summary>The data transform the model was trained with.</summary>
    public IDataTransform CreateTransform() => DataTransforms.Create(Header.Transform);

    /// <summary>The noise process the model was trained under (VP, beta 1, T 10 for checkpoints that predate the record).</summary>
    public INoiseProcess CreateProcess()
    {
        try
        {
            return NoiseProcesses.Create(Header.ProcessOrDefault);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{Source}: {e.Message}", e);
        }
    }

    /// <summary>Network (built on the CPU, loaded strictly, moved to <paramref name="device"/>), process and transform as one prior.</summary>
    public ScorePrior CreatePrior(Device? device = null) => new(CreateModel(device), CreateProcess(), CreateTransform());

    /// <summary>Throws naming <see cref="Source"/> and every differing option when this checkpoint is not for <paramref name="options"/>.</summary>
    public void EnsureMatches(ScoreNetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (Header.Model == options) return;
        var differences = Differences(Header.Model, options);
        throw new InvalidDataException(
            $"{Source}: checkpoint holds a {Header.Architecture} v{Header.ArchitectureVersion} network that does not match the requested one ({differences})");
    }

    internal void LoadWeightsInto(ScoreNet model)
    {
        EnsureMatches(model.Options);
        try
        {
            using var reader = new BinaryReader(new MemoryStream(ModelState, writable: false));
            using var noGrad = no_grad();
            model.load(reader, strict: true);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or EndOfStreamException or IOException)
        {
            throw new InvalidDataException($"{Source}: weights do not fit the {Header.Architecture} network the header describes: {e.Message}", e);
        }
    }

    private static Checkpoint Build(ScoreNet model, IDataTransform transform, NoiseProcessSpec process, byte[] optimizer, byte[] ema, TimeProvider? time,
        Func<CheckpointHeader, CheckpointHeader> complete)
    {
        var weights = Serialize(w => model.save(w));
        var header = complete(new CheckpointHeader
        {
            Architecture = model.Options.Architecture,
            ArchitectureVersion = ScoreNetArchitectures.CurrentVersion(model.Options.Architecture),
            Model = model.Options,
            Transform = transform.Spec,
            Process = process,
            ParameterCount = ScoreNetFactory.ParameterCount(model),
            CreatedUtc = (time ?? TimeProvider.System).GetUtcNow(),
        }) with
        {
            ModelBytes = weights.Length,
            OptimizerBytes = optimizer.Length,
            EmaBytes = ema.Length,
            PayloadSha256 = PayloadHash(weights, optimizer, ema),
        };
        return new Checkpoint(header, weights, optimizer, ema, "(in memory)");
    }

    private static byte[] Serialize(Action<BinaryWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true)) write(writer);
        return buffer.ToArray();
    }

    /// <summary>SHA-256 of the payload as stored; an empty EMA section leaves the hash of older checkpoints unchanged.</summary>
    private static string PayloadHash(byte[] model, byte[] optimizer, byte[] ema)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(model);
        sha.AppendData(optimizer);
        sha.AppendData(ema);
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private static byte[] ReadExactly(Stream stream, int count, string source, string what)
    {
        var buffer = new byte[count];
        var read = stream.ReadAtLeast(buffer, count, throwOnEndOfStream: false);
        if (read < count)
            throw new InvalidDataException($"{source}: truncated checkpoint: {what} needs {count} bytes, only {read} left");
        return buffer;
    }

    private static string Differences(ScoreNetOptions a, ScoreNetOptions b)
    {
        var parts = new List<string>();
        void Compare<T>(string name, T x, T y)
        {
            if (!EqualityComparer<T>.Default.Equals(x, y)) parts.Add($"{name}: checkpoint {x}, requested {y}");
        }
        Compare(nameof(a.Architecture), a.Architecture, b.Architecture);
        Compare(nameof(a.ImageSize), a.ImageSize, b.ImageSize);
        Compare(nameof(a.Channels), a.Channels, b.Channels);
        Compare(nameof(a.PatchSize), a.PatchSize, b.PatchSize);
        Compare(nameof(a.Width), a.Width, b.Width);
        Compare(nameof(a.TokenMlpWidth), a.TokenMlpWidth, b.TokenMlpWidth);
        Compare(nameof(a.ChannelMlpWidth), a.ChannelMlpWidth, b.ChannelMlpWidth);
        Compare(nameof(a.Blocks), a.Blocks, b.Blocks);
        Compare(nameof(a.Nf), a.Nf, b.Nf);
        Compare(nameof(a.ChannelMultipliers), a.ChannelMultipliers, b.ChannelMultipliers);
        Compare(nameof(a.ResBlocks), a.ResBlocks, b.ResBlocks);
        Compare(nameof(a.AttentionResolution), a.AttentionResolution, b.AttentionResolution);
        return string.Join("; ", parts);
    }
}
