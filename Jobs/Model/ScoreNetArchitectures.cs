namespace ScoreBatch.Jobs.Model;

/// <summary>
/// Architecture names and their frozen versions. A shipped architecture never changes; a change gets a new
/// version number, recorded in every checkpoint and checked on load.
/// </summary>
public static class ScoreNetArchitectures
{
    /// <summary>The MLP-Mixer of the released galaxy priors (SCIENCE.md 1.1).</summary>
    public const string Mixer = "mixer";

    /// <summary>Version 1: time plane t/T as 2nd channel, patchify conv, joint (Width, P) LayerNorms, ConvTranspose out.</summary>
    public const int MixerVersion = 1;

    /// <summary>The NCSN++ U-Net (SCIENCE.md 1.2), conditioned on log sigma, output divided by sigma.</summary>
    public const string Ncsnpp = "ncsnpp";

    /// <summary>Version 1: BigGAN residual blocks, Fourier(log sigma) embedding, attention at one level, output / sigma.</summary>
    public const int NcsnppVersion = 1;

    /// <summary>Known names, for help texts and validation.</summary>
    public static IReadOnlyList<string> Names { get; } = [Mixer, Ncsnpp];

    /// <summary>The version a checkpoint of <paramref name="architecture"/> written by this build carries.</summary>
    public static int CurrentVersion(string architecture) => architecture switch
    {
        Mixer => MixerVersion,
        Ncsnpp => NcsnppVersion,
        _ => throw new ArgumentException($"unknown architecture '{architecture}' (known: {string.Join(", ", Names)})", nameof(architecture)),
    };
}
