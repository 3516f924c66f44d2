namespace ScoreBatch.Jobs.Synthetic;

/// <summary>Shape of the point-spread function convolved with every synthetic source.</summary>
public enum PsfKind
{
    /// <summary>No convolution (the raw, pixel-integrated profile).</summary>
    None,
    /// <summary>Gaussian, sigma = FWHM / (2·sqrt(2·ln 2)).</summary>
    Gaussian,
    /// <summary>Moffat (1 + (r/α)²)^-β, α = FWHM / (2·sqrt(2^(1/β) - 1)): broader wings, like real seeing.</summary>
    Moffat,
}

/// <summary>A point-spread function.</summary>
/// <param name="Kind">Profile shape (default Gaussian).</param>
/// <param name="Fwhm">Full width at half maximum in pixels (default 2.0: a well-sampled ground-based PSF).</param>
/// <param name="MoffatBeta">Moffat β (default 3.5, a typical atmospheric value; only used by Moffat).</param>
public sealed record PsfOptions(PsfKind Kind = PsfKind.Gaussian, double Fwhm = 2.0, double MoffatBeta = 3.5)
{
    /// <summary>Throws naming the bad value.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(Kind)) throw new ArgumentOutOfRangeException(nameof(Kind), Kind, $"unknown PSF kind {Kind}");
        if (Kind == PsfKind.None) return;
        if (!(Fwhm >= 0.1 && Fwhm <= 20))
            throw new ArgumentOutOfRangeException(nameof(Fwhm), Fwhm, $"PSF FWHM must be between 0.1 and 20 pixels, got {Fwhm}");
        if (Kind == PsfKind.Moffat && !(MoffatBeta > 1 && MoffatBeta <= 20))
            throw new ArgumentOutOfRangeException(nameof(MoffatBeta), MoffatBeta, $"Moffat beta must be in (1, 20] (finite flux needs beta > 1), got {MoffatBeta}");
    }
}
