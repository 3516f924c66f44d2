using ScoreBatch.Jobs.Anomaly;

namespace ScoreBatch.Jobs.Tests.Anomaly;

public class CalibratorTests
{
    private static double[] Normal(Random rng, int d, double shift = 0) =>
        Enumerable.Range(0, d).Select(_ => shift + (Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()))).ToArray();

    private static AnomalyCalibration Template(int d) => new()
    {
        Model = "m", ModelSha256 = "x", Features = new ScoreFeatureOptions { NoiseMultipliers = Enumerable.Repeat(1.0, d / 4).ToArray(), IncludePeaks = d % 4 == 1 },
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
}
