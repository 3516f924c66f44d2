namespace ScoreBatch.Jobs.Model;

/// <summary>What a network is conditioned on; <see cref="ScorePrior"/> turns diffusion time into it.</summary>
public enum ScoreNetConditioning
{
    /// <summary>t / T in [0, 1] (the mixer's time plane; the released priors).</summary>
    TimeFraction,

    /// <summary>log sigma(t) of the marginal (noise-conditional U-Nets).</summary>
    LogSigma,
}
