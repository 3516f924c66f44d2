using ScoreBatch.Jobs.Anomaly;

namespace ScoreBatch.Jobs.Tests.Anomaly;

public class CalibratorTests
{
    private static double[] Normal(Random rng, int d, double shift = 0) =>
        Enumerable.Range(0, d).Select(_ => shift + (Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()))).ToArray();

    private static AnomalyCalibration Template(int d) => new()
    {
        Model = "m", ModelSha256 = "x", Features = new ScoreFeatureOptions { NoiseMultipliers = Enumerable.Repeat(1.0, d / 4).ToArray(), IncludePeaks = d % 4 == 1, IncludeNoiseLevel = false },
        Noise = "estimate", T = 0.02, Mean = [], Precision = [], References = [], ReferenceCutouts = 0, Augmentation = 1,
        FalsePositiveRate = 0, Threshold = 0,
    };

    [Fact]
    public void Fit_CleanDraws_PValuesAreCalibratedOnNewCleanDraws()
    {
        // 2,000 references and 4,000 new draws from one 8-d Gaussian: a calibrated p-value is uniform, so about 5 %
        // of the new draws fall below 0.05 and about 1 % are flagged at the 1 % threshold (binomial sd 0.35 % and
        // 0.16 %; the cross-fitted references keep the density's optimism out of both).
        var rng = new Random(11);
        var refs = Enumerable.Range(0, 2000).Select(_ => Normal(rng, 8)).ToList();
        var calibration = Calibrator.Fit(refs, Enumerable.Range(0, refs.Count).ToList(), 0.01, Template(8));
        var fresh = Enumerable.Range(0, 4000).Select(_ => calibration.Apply(Normal(rng, 8))).ToList();
        Assert.InRange(fresh.Count(r => r.PValue < 0.05) / 4000.0, 0.035, 0.065);
        Assert.InRange(fresh.Count(r => r.Anomalous) / 4000.0, 0.004, 0.018);
        Assert.Equal(2000, calibration.References.Length);
        Assert.True(calibration.References.SequenceEqual(calibration.References.Order()));
    }

    [Fact]
    public void Apply_ShiftedDraw_IsFarAndFlagged_ByEitherStatistic()
    {
        var rng = new Random(12);
        var refs = Enumerable.Range(0, 500).Select(_ => Normal(rng, 5)).ToList();
        // Mahalanobis: |x|² = 80 under N(0, I).
        var mahalanobis = Calibrator.Fit(refs, Enumerable.Range(0, refs.Count).ToList(), 0.01, Template(5), AnomalyCalibration.Mahalanobis);
        var (anomaly, p, flagged) = mahalanobis.Apply([4.0, 4.0, 4.0, 4.0, 4.0]);
        Assert.True(anomaly > 60, $"anomaly {anomaly}");
        Assert.Equal(0, p);
        Assert.True(flagged);
        // Excess: the features where more is anomalous are the level's annulus and box and the peaks (indices 1, 2, 4),
        // each -ln Q(4) = 10.36, so about 31.
        var excess = Calibrator.Fit(refs, Enumerable.Range(0, refs.Count).ToList(), 0.01, Template(5));
        Assert.Equal(AnomalyCalibration.Excess, excess.Statistic);
        Assert.Equal([1, 2, 4], excess.Features.ExcessIndices());
        (anomaly, p, flagged) = excess.Apply([4.0, 4.0, 4.0, 4.0, 4.0]);
        Assert.InRange(anomaly, 26, 36);
        Assert.Equal(0, p);
        Assert.True(flagged);
    }

    [Fact]
    public void Apply_Deficit_IsAnomalousOnlyForMahalanobis()
    {
        // A cutout with less unexplained light than every reference is not an artifact: the one-sided statistic
        // gives it less than the references' median, the two-sided density calls it far.
        var rng = new Random(15);
        var refs = Enumerable.Range(0, 500).Select(_ => Normal(rng, 5)).ToList();
        var sources = Enumerable.Range(0, refs.Count).ToList();
        double[] cleaner = [0.0, -4.0, -4.0, 0.0, -4.0];
        var excess = Calibrator.Fit(refs, sources, 0.01, Template(5));
        var (anomaly, p, flagged) = excess.Apply(cleaner);
        Assert.True(anomaly < excess.References[excess.References.Length / 2], $"anomaly {anomaly}");
        Assert.True(p > 0.5 && !flagged, $"p {p}");
        var mahalanobis = Calibrator.Fit(refs, sources, 0.01, Template(5), AnomalyCalibration.Mahalanobis);
        Assert.True(mahalanobis.Apply(cleaner).Anomalous);
    }

    [Fact]
    public void Fit_TooFewSources_SaysHowManyAreNeeded()
    {
        var rng = new Random(13);
        var refs = Enumerable.Range(0, 64).Select(_ => Normal(rng, 5)).ToList();
        var sources = Enumerable.Range(0, 64).Select(i => i / 8).ToList(); // 8 cutouts x 8 orientations
        var e = Assert.Throws<ArgumentException>(() => Calibrator.Fit(refs, sources, 0.01, Template(5)));
        Assert.Contains("at least 10 clean reference cutouts, got 8", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_RoundTrip_KeepsEveryNumber()
    {
        var rng = new Random(14);
        var refs = Enumerable.Range(0, 50).Select(_ => Normal(rng, 5)).ToList();
        foreach (var statistic in AnomalyCalibration.StatisticNames)
        {
            var calibration = Calibrator.Fit(refs, Enumerable.Range(0, refs.Count).ToList(), 0.05, Template(5), statistic);
            var back = AnomalyCalibration.Parse(calibration.ToJson(), "calibration.json");
            Assert.Equal(statistic, back.Statistic);
            Assert.Equal(calibration.References, back.References);
            Assert.Equal(calibration.Threshold, back.Threshold);
            Assert.Equal(calibration.Apply([1.0, 2.0, 3.0, 4.0, 5.0]), back.Apply([1.0, 2.0, 3.0, 4.0, 5.0]));
        }
        var e = Assert.Throws<InvalidDataException>(() => AnomalyCalibration.Parse("{\"format\":\"x\"}"u8, "bad.json"));
        Assert.Contains("bad.json", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_FileWithoutStatistic_IsReadAsMahalanobis()
    {
        // Calibrations written before the statistic was recorded hold a Gaussian density: they keep scoring the same.
        var rng = new Random(16);
        var refs = Enumerable.Range(0, 50).Select(_ => Normal(rng, 5)).ToList();
        var calibration = Calibrator.Fit(refs, Enumerable.Range(0, refs.Count).ToList(), 0.05, Template(5), AnomalyCalibration.Mahalanobis);
        var json = System.Text.Json.Nodes.JsonNode.Parse(calibration.ToJson())!.AsObject();
        json.Remove("statistic");
        json.Remove("scale");
        var back = AnomalyCalibration.Parse(System.Text.Encoding.UTF8.GetBytes(json.ToJsonString()), "old.json");
        Assert.Equal(AnomalyCalibration.Mahalanobis, back.Statistic);
        Assert.Equal(calibration.Apply([1.0, 2.0, 3.0, 4.0, 5.0]), back.Apply([1.0, 2.0, 3.0, 4.0, 5.0]));
        json["statistic"] = "median";
        var e = Assert.Throws<InvalidDataException>(() => AnomalyCalibration.Parse(System.Text.Encoding.UTF8.GetBytes(json.ToJsonString()), "bad.json"));
        Assert.Contains("statistic must be one of excess, mahalanobis, got 'median'", e.Message, StringComparison.Ordinal);
    }

    /// <summary>Features of one level (inner, annulus, box5, corner), peaks and log_noise: 6 values.</summary>
    private static AnomalyCalibration TrendTemplate() => Template(5) with { Features = new ScoreFeatureOptions { NoiseMultipliers = [1.0] } };

    [Fact]
    public void FeatureOptions_NoiseLevel_IsTheLastFeatureAndACovariateWithTheCoarsestInnerDisc()
    {
        var options = new ScoreFeatureOptions();
        var names = options.Names();
        Assert.Equal(14, options.Count);
        Assert.Equal(["peaks", "log_noise"], names.Skip(12));
        Assert.Equal(["log_noise", "c8_inner"], options.CovariateIndices().Select(j => names[j]));
        Assert.Empty(options.CovariateIndices().Intersect(options.ExcessIndices()));
        Assert.Empty((options with { IncludeNoiseLevel = false }).CovariateIndices());
    }

    [Fact]
    public void Fit_FeatureFollowingTheNoise_IsJudgedAgainstItsTrend()
    {
        // References whose annulus energy rises 2 per unit of log noise (scatter 0.1) and whose inner energy is noise:
        // the trend recovers the slope and the scatter, so a deep cutout (u = -1) with the references' typical energy
        // for u = +1 is an excess, and a noisy one (u = +1) with the same energy is not. Without the trend the
        // scale is the whole spread (about 1.2) and neither is remarkable.
        var rng = new Random(21);
        var refs = Enumerable.Range(0, 400).Select(_ =>
        {
            double u = (2 * rng.NextDouble()) - 1;
            var n = Normal(rng, 6);
            return new[] { n[0], (2 * u) + (0.1 * n[1]), n[2], n[3], n[4], u };
        }).ToList();
        var template = TrendTemplate();
        Assert.Equal([5, 0], template.Features.CovariateIndices());
        var calibration = Calibrator.Fit(refs, Enumerable.Range(0, refs.Count).ToList(), 0.01, template);
        var trend = Assert.IsType<FeatureTrend>(calibration.Trend);
        Assert.Equal([5, 0], trend.Covariates);
        Assert.InRange(trend.Slopes[0][1], 1.95, 2.05);
        Assert.InRange(trend.Slopes[1][1], -0.03, 0.03);
        Assert.InRange(calibration.Scale[1], 0.09, 0.11);
        double[] deep = [0, 2, 0, 0, 0, -1], noisy = [0, 2, 0, 0, 0, 1];
        Assert.True(calibration.Apply(deep).Anomalous);
        Assert.False(calibration.Apply(noisy).Anomalous);
        // A cutout far outside the references' noise range is compared with the nearest references (u clamped to 1).
        Assert.Equal(calibration.Apply([0, 2.5, 0, 0, 0, 1]).Anomaly, calibration.Apply([0, 2.5, 0, 0, 0, 6]).Anomaly, 12);
        var flat = Calibrator.Fit([.. refs.Select(r => r[..5])], Enumerable.Range(0, refs.Count).ToList(), 0.01, Template(5) with { Features = template.Features with { IncludeNoiseLevel = false } });
        Assert.Null(flat.Trend);
        Assert.False(flat.Apply([0, 2, 0, 0, 0]).Anomalous);
    }

    [Fact]
    public void Fit_ConstantCovariate_IsLeftOutOfTheTrend()
    {
        // Noise "none" gives every cutout the same log_noise: the trend keeps the inner disc only; with both
        // constant there is no trend and the fit is the plain mean and scale.
        var rng = new Random(22);
        var refs = Enumerable.Range(0, 100).Select(_ => Normal(rng, 6).Select((v, j) => j == 5 ? -13.8 : v).ToArray()).ToList();
        var calibration = Calibrator.Fit(refs, Enumerable.Range(0, refs.Count).ToList(), 0.01, TrendTemplate());
        Assert.Equal([0], calibration.Trend!.Covariates);
        var constant = refs.Select(r => r.Select((v, j) => j == 0 ? 0.5 : v).ToArray()).ToList();
        var plain = Calibrator.Fit(constant, Enumerable.Range(0, refs.Count).ToList(), 0.01, TrendTemplate());
        Assert.Null(plain.Trend);
        var fit = ExcessScore.Fit(constant, plain.Features.ExcessIndices());
        Assert.Equal(fit.Scale, plain.Scale);
        Assert.Throws<ArgumentException>(() => ExcessScore.Fit(constant, [1, 2], [1]));
    }

    [Fact]
    public void Parse_Trend_RoundTripsAndIsChecked()
    {
        var rng = new Random(23);
        var refs = Enumerable.Range(0, 60).Select(_ => Normal(rng, 6)).ToList();
        var calibration = Calibrator.Fit(refs, Enumerable.Range(0, refs.Count).ToList(), 0.05, TrendTemplate());
        double[] x = [0.3, 1.5, 2.0, 0, 1.1, 0.4];
        var back = AnomalyCalibration.Parse(calibration.ToJson(), "calibration.json");
        Assert.Equal(calibration.Trend!.Covariates, back.Trend!.Covariates);
        Assert.Equal(calibration.Apply(x), back.Apply(x));
        var json = System.Text.Json.Nodes.JsonNode.Parse(calibration.ToJson())!.AsObject();
        Assert.NotNull(json["trend"]?["slopes"]);
        json["trend"]!["covariates"] = new System.Text.Json.Nodes.JsonArray(2);
        var e = Assert.Throws<InvalidDataException>(() => AnomalyCalibration.Parse(System.Text.Encoding.UTF8.GetBytes(json.ToJsonString()), "bad.json"));
        Assert.Contains("bad.json: corrupt calibration: trend covariates [2] must be distinct ones of [5, 0]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_FileWithoutNoiseLevel_KeepsItsFeaturesAndUntrendedMeans()
    {
        // Calibrations written before the noise level existed have no include_noise_level and no trend: they are
        // read with the features they were fitted on and score exactly as before.
        var rng = new Random(24);
        var refs = Enumerable.Range(0, 50).Select(_ => Normal(rng, 5)).ToList();
        var calibration = Calibrator.Fit(refs, Enumerable.Range(0, refs.Count).ToList(), 0.05, Template(5));
        var json = System.Text.Json.Nodes.JsonNode.Parse(calibration.ToJson())!.AsObject();
        json["features"]!.AsObject().Remove("include_noise_level");
        json.Remove("trend");
        var back = AnomalyCalibration.Parse(System.Text.Encoding.UTF8.GetBytes(json.ToJsonString()), "old.json");
        Assert.False(back.Features.IncludeNoiseLevel);
        Assert.Equal(5, back.Features.Count);
        Assert.Null(back.Trend);
        Assert.Equal(calibration.Apply([1.0, 2.0, 3.0, 4.0, 5.0]), back.Apply([1.0, 2.0, 3.0, 4.0, 5.0]));
    }
}
