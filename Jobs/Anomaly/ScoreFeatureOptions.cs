namespace ScoreBatch.Jobs.Anomaly;

/// <summary>
/// Which multiscale score features a cutout gets (Mahmood et al. 2021, made noise-aware; SCIENCE.md 5). For each
/// multiplier c in <see cref="NoiseMultipliers"/> the prior is evaluated once at the temperature t_c whose marginal
/// matches c times the cutout's model-space noise, at least <see cref="MinLevelNoise"/> carried into model space
/// (s(t_c)/a(t_c) = c·max(sigma_y, floor_y)), on the observation scaled by a(t_c).
/// The standardised residual e_c = s(t_c)·s_theta(a·y, t_c) (about N(0, 1) per pixel where the prior explains the
/// image) gives four features per level (<see cref="ScoreFeatures.AddLevel"/>): the energy of e over the inner disc
/// (r &lt; <see cref="InnerRadius"/>) and over the annulus (<see cref="InnerRadius"/> &lt;= r &lt; <see cref="OuterRadius"/>,
/// where rings and companions sit) and the largest squared 3x3 mean of e in the annulus (a coherent residual
/// survives the mean, noise does not), each relative to the cutout's own corners (r &gt;= <see cref="OuterRadius"/>),
/// and the corners' level itself. With <see cref="IncludePeaks"/> the count of significant peaks
/// (<see cref="PeakCount"/>) is one more feature. Radii are fractions of the cutout's smaller side, from its centre
/// pixel. Defaults are the measured recipe (c = 2, 4, 8 and peaks: docs/anomaly.md).
/// </summary>
public sealed record ScoreFeatureOptions
{
    /// <summary>Noise multipliers c (default 2, 4, 8: three forward passes per cutout besides the score map's; c = 0.5 and 1
    /// added nothing measurable, the higher temperatures carry the signal).</summary>
    public IReadOnlyList<double> NoiseMultipliers { get; init; } = [2.0, 4.0, 8.0];

    /// <summary>Sides k (odd, 3 to 9) of the k x k means of e whose largest square in the annulus is a feature, one per
    /// side and level (default 3).</summary>
    public IReadOnlyList<int> BoxSizes { get; init; } = [5];

    /// <summary>Add log(1 + peaks) as a feature (default true: the best single ring statistic on real cutouts).</summary>
    public bool IncludePeaks { get; init; } = true;

    /// <summary>
    /// Add ln(sigma_y), the cutout's model-space pixel noise, as the last feature (default true): the covariate the
    /// excess statistic's means follow (<see cref="FeatureTrend"/>, with <see cref="CovariateIndices"/>), because how much structure a prior of smooth galaxies
    /// cannot explain grows with a galaxy's signal-to-noise. It is never itself evidence of an artifact. Calibration
    /// files written before it existed lack it and are read without it.
    /// </summary>
    public bool IncludeNoiseLevel { get; init; } = true;

    /// <summary>Smallest sigma_y whose log is the noise-level feature (noise "none" gives this constant, and no trend).</summary>
    public const double MinNoiseLevel = 1e-6;

    /// <summary>
    /// Smallest pixel noise, in data units, that the multipliers scale (default 0.1: a tenth of a max-normalised
    /// cutout's peak): level c sits where s(t)/a(t) = c·max(sigma_y, floor_y), floor_y this floor carried into model
    /// space by the transform's slope at the cutout's background (about 1 in y for log1p(scale 0.1), 0.1 for identity).
    /// A prior evaluated at a few times a deep cutout's own noise only sees structure of that amplitude, so a bright
    /// companion on a high signal-to-noise galaxy passed through it unremarked; with the floor the levels of such
    /// cutouts sit at noise 2, 4 and 8 in y (docs/anomaly.md: real companions 0.92 -> 0.94, synthetic 0.991 -> 1.000).
    /// 0 gives the levels of calibrations written before it existed (absent there, read as 0).
    /// </summary>
    public double MinLevelNoise { get; init; } = 0.1;

    /// <summary>Inner disc radius as a fraction of the side (default 1/5: 6.4 px at 32², the flux-outside baseline's radius).</summary>
    public double InnerRadius { get; init; } = 0.2;

    /// <summary>Outer radius of the annulus (default 0.44: 14 px at 32², inside an isolated source's clear circle).</summary>
    public double OuterRadius { get; init; } = 0.44;

    /// <summary>Smallest feature temperature (default 1e-4, for noise-free or very deep cutouts).</summary>
    public double MinTime { get; init; } = 1e-4;

    /// <summary>Largest feature temperature as a fraction of the process's T (default 0.5: t = 5 for VP T = 10).</summary>
    public double MaxTimeFraction { get; init; } = 0.5;

    /// <summary>Features per cutout: 3 + boxes per level, the peaks and the noise level.</summary>
    public int Count => ((3 + BoxSizes.Count) * NoiseMultipliers.Count) + (IncludePeaks ? 1 : 0) + (IncludeNoiseLevel ? 1 : 0);

    /// <summary>
    /// The features the excess statistic's means follow (<see cref="FeatureTrend"/>): "log_noise" (the last), when
    /// present, and the coarsest level's inner-disc energy (the largest multiplier's "_inner": how poorly the prior
    /// explains the galaxy's own body). Neither is in <see cref="ExcessIndices"/>. Empty without the noise level
    /// (calibrations written before it existed keep their untrended means).
    /// </summary>
    public IReadOnlyList<int> CovariateIndices()
    {
        if (!IncludeNoiseLevel) return [];
        int coarsest = NoiseMultipliers.Select((c, level) => (c, level)).MaxBy(p => p.c).level;
        return [Count - 1, coarsest * (3 + BoxSizes.Count)];
    }

    /// <summary>
    /// The features' names in order, the columns of features.csv: per level c "c{c}_inner", "c{c}_annulus", "c{c}_box",
    /// "c{c}_corner" (<see cref="ScoreFeatures.AddLevel"/>), then "peaks" and "log_noise".
    /// </summary>
    public IReadOnlyList<string> Names()
    {
        var names = new List<string>(Count);
        foreach (var c in NoiseMultipliers)
        {
            var level = "c" + c.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
            names.AddRange([level + "_inner", level + "_annulus"]);
            names.AddRange(BoxSizes.Select(k => level + "_box" + k.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            names.Add(level + "_corner");
        }
        if (IncludePeaks) names.Add("peaks");
        if (IncludeNoiseLevel) names.Add("log_noise");
        return names;
    }

    /// <summary>
    /// The features where a larger value means more light the prior cannot explain (each level's annulus energy and
    /// box maxima, and the peaks): the ones <see cref="ExcessScore"/> combines. The inner disc's energy and the corners'
    /// level describe the cutout and are kept in features.csv, but neither direction of them marks an artifact.
    /// </summary>
    public IReadOnlyList<int> ExcessIndices() =>
        [.. Names().Select((n, j) => (n, j)).Where(p => p.n.EndsWith("_annulus", StringComparison.Ordinal) || p.n.Contains("_box", StringComparison.Ordinal) || p.n == "peaks").Select(p => p.j)];

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad option.</summary>
    public ScoreFeatureOptions Validate()
    {
        if (NoiseMultipliers.Count is < 1 or > 16 || NoiseMultipliers.Any(c => !(c > 0) || !double.IsFinite(c)))
            throw new ArgumentException($"features.noise_multipliers: 1 to 16 positive numbers, got [{string.Join(", ", NoiseMultipliers)}]");
        if (BoxSizes.Count is < 1 or > 4 || BoxSizes.Any(k => k is < 3 or > 9 || k % 2 == 0))
            throw new ArgumentException($"features.box_sizes: 1 to 4 odd sides from 3 to 9, got [{string.Join(", ", BoxSizes)}]");
        if (!(InnerRadius > 0 && InnerRadius < OuterRadius && OuterRadius <= 0.75))
            throw new ArgumentException($"features: need 0 < inner radius {InnerRadius} < outer radius {OuterRadius} <= 0.75");
        if (!(MinLevelNoise >= 0 && MinLevelNoise <= 10))
            throw new ArgumentException($"features.min_level_noise must be between 0 and 10 (data units), got {MinLevelNoise}");
        if (!(MinTime > 0) || !(MaxTimeFraction > 0 && MaxTimeFraction <= 1))
            throw new ArgumentException($"features: min time {MinTime} must be > 0 and max time fraction {MaxTimeFraction} in (0, 1]");
        return this;
    }
}
