namespace ScoreBatch.Jobs.Model;

/// <summary>
/// Hyper-parameters of a ScoreNet. Defaults are those of the released galaxy priors (SCIENCE.md 1.1); smaller
/// values (8² images, width 16, one block) are for fast tests. The ncsnpp options (<see cref="Nf"/> and after,
/// SCIENCE.md 1.2) are recorded for every architecture; the mixer ignores them. Call <see cref="Validate"/> before building.
/// </summary>
public sealed record ScoreNetOptions
{
    /// <summary>Architecture name known to <see cref="ScoreNetFactory"/>: "mixer" (the released priors) or "ncsnpp" (the U-Net).</summary>
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

    /// <summary>ncsnpp: channels of the first level (nf): 64.</summary>
    public int Nf { get; init; } = 64;

    /// <summary>
    /// ncsnpp: channel multiplier per resolution level, comma-separated ("1,2,2"); empty (the default) means
    /// (1, 2, 2) up to 32² images and (1, 2, 2, 2) above. <see cref="NcsnppMultipliers"/> resolves it.
    /// </summary>
    public string ChannelMultipliers { get; init; } = "";

    /// <summary>ncsnpp: residual blocks per level on the way down (one more on the way up): 2.</summary>
    public int ResBlocks { get; init; } = 2;

    /// <summary>ncsnpp: side of the level with self-attention; 0 (the default) means ImageSize / 4 (8² at 32², 16² at 64²).</summary>
    public int AttentionResolution { get; init; }

    /// <summary>Tokens per image, P = (N / patch)².</summary>
    public int Tokens => (ImageSize / PatchSize) * (ImageSize / PatchSize);

    /// <summary>The ncsnpp channel multipliers: <see cref="ChannelMultipliers"/> parsed, or the size default.</summary>
    public IReadOnlyList<int> NcsnppMultipliers()
    {
        if (string.IsNullOrWhiteSpace(ChannelMultipliers)) return ImageSize <= 32 ? [1, 2, 2] : [1, 2, 2, 2];
        var parts = ChannelMultipliers.Split(',', StringSplitOptions.TrimEntries);
        var values = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out values[i]) || values[i] <= 0)
                throw new ArgumentException($"ScoreNetOptions.ChannelMultipliers must be positive integers separated by commas, got '{ChannelMultipliers}'");
        }
        return values;
    }

    /// <summary>The ncsnpp attention level's side: <see cref="AttentionResolution"/>, or ImageSize / 4.</summary>
    public int NcsnppAttentionResolution => AttentionResolution > 0 ? AttentionResolution : ImageSize / 4;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option and its value.</summary>
    public ScoreNetOptions Validate()
    {
        if (string.IsNullOrWhiteSpace(Architecture))
            throw new ArgumentException("ScoreNetOptions.Architecture must be set, got an empty name");
        if (Architecture == ScoreNetArchitectures.Ncsnpp) return ValidateNcsnpp();
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

    private ScoreNetOptions ValidateNcsnpp()
    {
        Positive(ImageSize, nameof(ImageSize));
        if (Channels != 1)
            throw new ArgumentException($"ScoreNetOptions.Channels must be 1 (single-band images), got {Channels}");
        Positive(Nf, nameof(Nf));
        if (Nf % 4 != 0)
            throw new ArgumentException($"ScoreNetOptions.Nf must be a multiple of 4 (GroupNorm uses min(C/4, 32) groups), got {Nf}");
        Positive(ResBlocks, nameof(ResBlocks));
        if (AttentionResolution < 0)
            throw new ArgumentException($"ScoreNetOptions.AttentionResolution must be >= 0 (0: ImageSize / 4), got {AttentionResolution}");
        var multipliers = NcsnppMultipliers();
        var downsampling = 1 << (multipliers.Count - 1);
        if (multipliers.Count > 8 || ImageSize % downsampling != 0)
            throw new ArgumentException($"ScoreNetOptions.ImageSize must be divisible by the total down-sampling {downsampling} of {multipliers.Count} levels, got {ImageSize}");
        var levels = Enumerable.Range(0, multipliers.Count).Select(l => ImageSize >> l).ToList();
        if (AttentionResolution > 0 && !levels.Contains(AttentionResolution))
            throw new ArgumentException($"ScoreNetOptions.AttentionResolution must be the side of one level ({string.Join(", ", levels)}), got {AttentionResolution}");
        foreach (var m in multipliers)
        {
            var c = Nf * m;
            // Up-path blocks see concatenations of two level widths; every width must split into its groups.
            if (c / 4 > 32 && c % 32 != 0)
                throw new ArgumentException($"ScoreNetOptions.Nf x multiplier {m} = {c} channels does not split into 32 GroupNorm groups");
        }
        return this;
    }

    private static void Positive(int value, string name)
    {
        if (value <= 0) throw new ArgumentException($"ScoreNetOptions.{name} must be positive, got {value}");
    }
}
