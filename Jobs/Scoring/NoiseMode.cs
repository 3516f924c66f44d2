namespace ScoreBatch.Jobs.Scoring;

/// <summary>What a score job knows about its inputs' pixel noise (SCIENCE.md 5, "Observed cutouts carry pixel noise").</summary>
public enum NoiseMode
{
    /// <summary>Noise-free inputs (scarlet models, synthetic galaxies): score at the image as given at temperature t.</summary>
    None,

    /// <summary>Estimate each cutout's noise from its background pixels (<see cref="BackgroundNoise"/>) and score at the matching temperature.</summary>
    Estimate,

    /// <summary>A known x-space noise std (<see cref="ScoringOptions.NoiseSigma"/>) for every cutout.</summary>
    Given,
}
