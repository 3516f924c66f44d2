using ScoreBatch.Jobs.Model;

namespace ScoreBatch.Jobs.Tests;

/// <summary>Small networks for fast CPU tests.</summary>
internal static class TinyModels
{
    /// <summary>8² images, width 16, one block, MLP widths 32: 4 tokens, a few thousand parameters.</summary>
    public static ScoreNetOptions Mixer8 { get; } = new()
    {
        ImageSize = 8,
        Width = 16,
        TokenMlpWidth = 32,
        ChannelMlpWidth = 32,
        Blocks = 1,
    };

    /// <summary>
    /// <see cref="Mixer8"/> with width 32. Each 4x4 patch carries 16 pixels plus the time plane, and conv_out can
    /// only rebuild what the Width channels hold: at width 16 the patch is a linear bottleneck and a trained model
    /// stalls at 1.22·L* (v = 1) and 1.59·L* (v = 0.25); at width 32 it reaches 1.01·L* and 1.02·L*.
    /// </summary>
    public static ScoreNetOptions Mixer8Wide { get; } = Mixer8 with { Width = 32 };

    /// <summary>NCSN++ at 16² with nf 16, multipliers (1, 2, 2), 2 blocks per level, attention at 4²: 442,321 parameters.</summary>
    public static ScoreNetOptions Ncsnpp16 { get; } = new()
    {
        Architecture = ScoreNetArchitectures.Ncsnpp,
        ImageSize = 16,
        Nf = 16,
    };

    /// <summary>NCSN++ at 8² with nf 8, multipliers (1, 2), one block per level, attention at 4²: for fast training tests.</summary>
    public static ScoreNetOptions Ncsnpp8 { get; } = new()
    {
        Architecture = ScoreNetArchitectures.Ncsnpp,
        ImageSize = 8,
        Nf = 8,
        ChannelMultipliers = "1,2",
        ResBlocks = 1,
        AttentionResolution = 4,
    };
}
