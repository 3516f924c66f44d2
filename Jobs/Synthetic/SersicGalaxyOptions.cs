namespace ScoreBatch.Jobs.Synthetic;

/// <summary>
/// How synthetic galaxies are drawn. Each galaxy's Sersic index, radius, axis ratio and angle are drawn uniformly
/// from the ranges below with its own seed. The image is the PSF-convolved profile max-normalised to 1, centred on
/// the centre pixel (row and column (Size - 1) / 2, where the real 31 -> 32 padded cutouts have their peak), with
/// optional noise, clipped at 0, and cut to exactly 0 outside the footprint, like the real training data.
/// </summary>
/// <param name="Size">Image side in pixels (default 32, a released prior size; 64 the other; 8..256 allowed).</param>
/// <param name="MinIndex">Smallest Sersic index (default 0.5: Gaussian-like).</param>
/// <param name="MaxIndex">Largest Sersic index (default 4: de Vaucouleurs bulges).</param>
/// <param name="MinEffectiveRadius">Smallest semi-major r_e in pixels (default 1.5 at 32²: barely resolved).</param>
/// <param name="MaxEffectiveRadius">Largest r_e in pixels (default 4 at 32²: the footprint still fits the cutout).</param>
/// <param name="MinAxisRatio">Smallest axis ratio q (default 0.4: inclined disks; 1 is round).</param>
/// <param name="Psf">Point-spread function (default Gaussian, FWHM 2 px).</param>
/// <param name="NoiseSigma">Gaussian noise sigma relative to the peak (default 0: clean morphologies).</param>
/// <param name="FootprintThreshold">Pixels where the noise-free convolved model is below this fraction of its peak
/// are set to exactly 0 (default 0.01: leaves most of a 32² cutout at 0, as in the real data).</param>
/// <param name="CentreJitter">Largest sub-pixel offset of the profile centre from the centre pixel (default 0.25 px,
/// so the peak stays on the centre pixel while the light is not perfectly symmetric about it).</param>
/// <param name="Oversample">Sub-pixels per pixel side when integrating the profile (default 5).</param>
/// <param name="Noise">How the scene is observed (default null: noise-free, what scarlet-model priors are trained on).
/// When set, <see cref="SyntheticDatasetBuilder"/> adds it after any artifact, the footprint cut is not applied (an
/// observation has no exactly-0 background) and <paramref name="NoiseSigma"/> must be 0.</param>
public sealed record SersicGalaxyOptions(
    int Size = 32,
    double MinIndex = 0.5,
    double MaxIndex = 4.0,
    double MinEffectiveRadius = 1.5,
    double MaxEffectiveRadius = 4.0,
    double MinAxisRatio = 0.4,
    PsfOptions? Psf = null,
    double NoiseSigma = 0.0,
    double FootprintThreshold = 0.01,
    double CentreJitter = 0.25,
    int Oversample = 5,
    ObservationNoise? Noise = null)
{
    /// <summary>The PSF in effect (a default Gaussian when none was given).</summary>
    public PsfOptions EffectivePsf => Psf ?? new PsfOptions();

    /// <summary>Defaults for a <paramref name="size"/>² cutout: radii scale with the cutout (cutouts are sized to their galaxy), the PSF does not.</summary>
    public static SersicGalaxyOptions ForSize(int size) =>
        new(Size: size, MinEffectiveRadius: 1.5 * size / 32.0, MaxEffectiveRadius: 4.0 * size / 32.0);

    /// <summary>Throws naming the bad value.</summary>
    public void Validate()
    {
        if (Size < 8 || Size > 256) throw new ArgumentOutOfRangeException(nameof(Size), Size, $"size must be between 8 and 256 pixels, got {Size}");
        if (!(MinIndex >= SersicMath.MinIndex && MaxIndex <= SersicMath.MaxIndex && MinIndex <= MaxIndex))
            throw new ArgumentOutOfRangeException(nameof(MinIndex), $"Sersic index range must satisfy {SersicMath.MinIndex} <= min <= max <= {SersicMath.MaxIndex}, got [{MinIndex}, {MaxIndex}]");
        if (!(MinEffectiveRadius >= 0.1 && MinEffectiveRadius <= MaxEffectiveRadius && MaxEffectiveRadius <= Size))
            throw new ArgumentOutOfRangeException(nameof(MinEffectiveRadius), $"effective radius range must satisfy 0.1 <= min <= max <= size ({Size}), got [{MinEffectiveRadius}, {MaxEffectiveRadius}]");
        if (!(MinAxisRatio > 0 && MinAxisRatio <= 1))
            throw new ArgumentOutOfRangeException(nameof(MinAxisRatio), MinAxisRatio, $"minimum axis ratio must be in (0, 1], got {MinAxisRatio}");
        EffectivePsf.Validate();
        if (!(NoiseSigma >= 0 && NoiseSigma <= 1))
            throw new ArgumentOutOfRangeException(nameof(NoiseSigma), NoiseSigma, $"noise sigma must be between 0 and 1 (relative to the peak), got {NoiseSigma}");
        if (!(FootprintThreshold >= 0 && FootprintThreshold < 1))
            throw new ArgumentOutOfRangeException(nameof(FootprintThreshold), FootprintThreshold, $"footprint threshold must be in [0, 1), got {FootprintThreshold}");
        if (!(CentreJitter >= 0 && CentreJitter < 0.5))
            throw new ArgumentOutOfRangeException(nameof(CentreJitter), CentreJitter, $"centre jitter must be in [0, 0.5) pixels, got {CentreJitter}");
        Noise?.Validate();
        if (Noise is not null && NoiseSigma > 0)
            throw new ArgumentOutOfRangeException(nameof(NoiseSigma), NoiseSigma, $"choose one noise: the legacy in-footprint sigma ({NoiseSigma}) or the observation noise model (S/N {Noise.MinSnr}:{Noise.MaxSnr}), not both");
        if (Oversample < 1 || Oversample > 16)
            throw new ArgumentOutOfRangeException(nameof(Oversample), Oversample, $"oversample must be between 1 and 16, got {Oversample}");
    }
}
