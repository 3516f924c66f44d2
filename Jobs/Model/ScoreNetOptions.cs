namespace ScoreBatch.Jobs.Model;

/// <summary>
/// Hyper-parameters of a ScoreNet. Defaults are those of the released galaxy priors (SCIENCE.md 1.1); smaller
/// values (8² images, width 16, one block) are for fast tests. Call <see cref="Validate"/> before building.
/// </summary>
public sealed record ScoreNetOptions
{
    /// <summary>Architecture name known to <see cref="ScoreNetFactory"/>: "mixer" (the released priors).</summary>
    public string Architecture { get; init; } = ScoreNetArchitectures.Mixer;

    /// <summary>Image side N (H = W = N); 32 and 64 are the released sizes. Must be divisible by <see cref="PatchSize"/>.</summary>
    public int ImageSize { get; init; } = 64;

    /// <summary>Image channels: 1 (single-band morphologies).</summary>
    public int Channels { get; init; } = 1;

    /// <summary>Patch side of conv_in / conv_out (kernel = stride): 4 gives 64 tokens at 32² and 256 at 64².</summary>
    public int PatchSize { get; init; } = 4;

    /// <summary>Hidden channels per token (the mixer's "hidden size"): 64.</summary>
    public int Width { get; init; } = 64;

    /// <summary>Hidden width of the token-mixing MLP (acts across the P tokens): 512.</summary>
    public int TokenMlpWidth { get; init; } = 512;

    /// <summary>Hidden width of the channel-mixing MLP (acts across the Width channels): 512.</summary>
    public int ChannelMlpWidth { get; init; } = 512;

    /// <summary>Number of mixer blocks: 4.</summary>
    public int Blocks { get; init; } = 4;

    /// <summary>Tokens per image, P = (N / patch)².</summary>
    public int Tokens => (ImageSize / PatchSize) * (ImageSize / PatchSize);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option and its value.</summary>
    public ScoreNetOptions Validate()
    {
        if (string.IsNullOrWhiteSpace(Architecture))
            throw new ArgumentException("ScoreNetOptions.Architecture must be set, got an empty name");
        Positive(ImageSize, nameof(ImageSize));
        Positive(PatchSize, nameof(PatchSize));
        if (ImageSize % PatchSize != 0)
            throw new ArgumentException($"ScoreNetOptions.ImageSize must be divisible by PatchSize {PatchSize}, got {ImageSize}");
        if (Channels != 1)
            throw new ArgumentException($"ScoreNetOptions.Channels must be 1 (single-band images), got {Channels}");
        Positive(Width, nameof(Width));
        Positive(TokenMlpWidth, nameof(TokenMlpWidth));
        Positive(ChannelMlpWidth, nameof(ChannelMlpWidth));
        Positive(Blocks, nameof(Blocks));
        return this;
    }

    private static void Positive(int value, string name)
    {
        if (value <= 0) throw new ArgumentException($"ScoreNetOptions.{name} must be positive, got {value}");
    }
}
