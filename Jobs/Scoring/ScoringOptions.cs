namespace ScoreBatch.Jobs.Scoring;

/// <summary>How cutouts are scored (SCIENCE.md 5).</summary>
public sealed record ScoringOptions
{
    /// <summary>Smallest temperature accepted: below 0.001 the VP std (0.032) is far below anything the network saw
    /// in training. The largest is the prior's own end time T (checked by the <see cref="Scorer"/>).</summary>
    public const double MinT = 0.001;

    /// <summary>
    /// Diffusion time at which a noise-free image is scored, and the floor of the noise-matched temperature
    /// (default 0.02: sigma = 0.141 in y units; scarlet2 documents 0.05).
    /// </summary>
    public double T { get; init; } = 0.02;

    /// <summary>
    /// What the inputs' pixel noise is (default <see cref="NoiseMode.Estimate"/>): with a noise level, each cutout is
    /// scored at the temperature t_n whose marginal matches its noise in model space (s(t_n)/a(t_n) = sigma_y,
    /// sigma_y = the x-space sigma times dy/dx at the background), never below <see cref="T"/>, as the score of the
    /// observation's density a·s_theta(a·y, t_n). A noise-free cutout estimates sigma = 0 and is scored at <see cref="T"/>.
    /// </summary>
    public NoiseMode Noise { get; init; } = NoiseMode.Estimate;

    /// <summary>Multiscale score features to compute per cutout, or null for none (default); a calibration brings its own.</summary>
    public Anomaly.ScoreFeatureOptions? Features { get; init; }

    /// <summary>
    /// A calibration fitted on clean references (calibrate job): each cutout then gets anomaly, p_value and anomalous
    /// in its summary. Its features replace <see cref="Features"/>.
    /// </summary>
    public Anomaly.AnomalyCalibration? Calibration { get; init; }

    /// <summary>The features to compute: the calibration's, else <see cref="Features"/>.</summary>
    public Anomaly.ScoreFeatureOptions? FeaturesToCompute => Calibration?.Features ?? Features;

    /// <summary>The x-space pixel noise std when <see cref="Noise"/> is <see cref="NoiseMode.Given"/>.</summary>
    public double NoiseSigma { get; init; }

    /// <summary>
    /// Smallest x-space noise sigma a cutout is scored at (default 0: none). A clean job's mask sets its data term's
    /// floor here, so a very deep cutout is judged at the noise level it is cleaned at.
    /// </summary>
    public double NoiseFloor { get; init; }

    /// <summary>Cutouts per forward pass (default 64: a 64² mixer batch is ~1 MB of input and fits any device).</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>
    /// |g_x| above which a pixel counts towards frac_above (default 100, x-space score units). Where the prior is
    /// sure a pixel should be empty, its ideal score under log1p at t = 0.02 is g_x = -ln(1 + x)/(0.01·s²·(1 + x))
    /// ≈ -5050·x, so 100 flags unexplained flux of about 2 % of the peak. Scale it with 1/s² for other t.
    /// </summary>
    public double Threshold { get; init; } = 100;

    /// <summary>Add the log-Jacobian term of the data transform (-1/(1 + x) for log1p) that the original priors leave out (default false, as the original).</summary>
    public bool IncludeLogJacobian { get; init; }

    /// <summary>
    /// Parses a noise setting: "none", "estimate", or an x-space sigma (a number &gt;= 0). Returns the options with it
    /// set; errors name <paramref name="field"/>.
    /// </summary>
    public ScoringOptions WithNoise(string text, string field = "noise")
    {
        ArgumentNullException.ThrowIfNull(text);
        var s = text.Trim().ToLowerInvariant();
        if (s == "none") return this with { Noise = NoiseMode.None };
        if (s == "estimate") return this with { Noise = NoiseMode.Estimate };
        if (double.TryParse(s, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var sigma) && sigma >= 0 && double.IsFinite(sigma))
            return this with { Noise = NoiseMode.Given, NoiseSigma = sigma };
        throw new ArgumentException($"{field}: must be none, estimate or a pixel noise sigma >= 0 (in the cutouts' units), got '{text}'");
    }

    /// <summary>The noise setting as <see cref="WithNoise"/> reads it: "none", "estimate" or the sigma.</summary>
    public string NoiseText => Noise switch
    {
        NoiseMode.None => "none",
        NoiseMode.Given => NoiseSigma.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        _ => "estimate",
    };

    /// <summary>
    /// These options with <paramref name="calibration"/> applied: its noise setting and floor t unless the job set
    /// its own (<paramref name="noiseGiven"/>, <paramref name="tGiven"/>), which must then agree, else the message
    /// names <paramref name="field"/>.
    /// </summary>
    public ScoringOptions WithCalibration(Anomaly.AnomalyCalibration calibration, bool noiseGiven, bool tGiven, string field = "calibration")
    {
        ArgumentNullException.ThrowIfNull(calibration);
        var options = noiseGiven ? this : WithNoise(calibration.Noise, field);
        if (options.NoiseText != calibration.Noise)
            throw new ArgumentException($"{field}: was fitted with noise '{calibration.Noise}', this job asks for '{options.NoiseText}'");
        if (tGiven && Math.Abs(T - calibration.T) > 1e-12)
            throw new ArgumentException($"{field}: was fitted at t = {calibration.T}, this job asks for t = {T}");
        return options with { T = calibration.T, Calibration = calibration };
    }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the bad value; returns this for chaining.</summary>
    public ScoringOptions Validate()
    {
        if (!(T >= MinT) || !double.IsFinite(T))
            throw new ArgumentOutOfRangeException(nameof(T), T, $"t must be a finite time of at least {MinT}, got {T}");
        if (Noise == NoiseMode.Given && !(NoiseSigma >= 0 && double.IsFinite(NoiseSigma)))
            throw new ArgumentOutOfRangeException(nameof(NoiseSigma), NoiseSigma, $"noise must be a finite sigma >= 0, got {NoiseSigma}");
        if (!(NoiseFloor >= 0 && double.IsFinite(NoiseFloor)))
            throw new ArgumentOutOfRangeException(nameof(NoiseFloor), NoiseFloor, $"noise floor must be a finite sigma >= 0, got {NoiseFloor}");
        if (BatchSize < 1 || BatchSize > 4096)
            throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, $"batch must be between 1 and 4096, got {BatchSize}");
        if (!(Threshold >= 0) || !double.IsFinite(Threshold))
            throw new ArgumentOutOfRangeException(nameof(Threshold), Threshold, $"threshold must be a finite number >= 0, got {Threshold}");
        Features?.Validate();
        return this;
    }
}
