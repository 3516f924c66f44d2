namespace ScoreBatch.Jobs.Sampling;

/// <summary>How samples are drawn from a prior (SCIENCE.md 6). Names are the job's params.sampler values; append only.</summary>
public enum SamplerKind
{
    /// <summary>"rk4": the probability-flow ODE with fixed-step classical Runge-Kutta (the released priors' recipe).</summary>
    Rk4,

    /// <summary>"rk45": the probability-flow ODE with adaptive Dormand-Prince (rtol/atol; step counts reported).</summary>
    Rk45,

    /// <summary>"sde": the reverse-time SDE by Euler-Maruyama, optionally with a Langevin corrector (predictor-corrector).</summary>
    ReverseSde,

    /// <summary>
    /// "pc": predictor-corrector (Song et al. 2021 Algorithm 2, the VE / ncsnpp recipe): per step, Langevin corrector
    /// steps at snr, then the reverse-diffusion predictor (<see cref="ReverseDiffusionPredictor"/>).
    /// </summary>
    Pc,
}
