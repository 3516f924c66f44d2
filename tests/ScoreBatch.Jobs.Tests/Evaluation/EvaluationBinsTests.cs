using ScoreBatch.Jobs.Evaluation;

namespace ScoreBatch.Jobs.Tests.Evaluation;

public class EvaluationBinsTests
{
    // Four galaxies at two noise levels, each clean and with a ring: at low noise the anomaly ranks the rings above the
    // clean cutouts, at high noise it ranks them below.
    private const string Summary = """
        id,anomaly,noise_sigma
        c1,1,0.01
        r1,5,0.01
        c2,2,0.02
        r2,6,0.02
        c3,9,0.2
        r3,3,0.2
        c4,8,0.3
        r4,4,0.3
        """;

    private const string Labels = "id,label,kind\nc1,0,none\nr1,1,ring\nc2,0,none\nr2,1,ring\nc3,0,none\nr3,1,ring\nc4,0,none\nr4,1,ring\n";

    private static CsvTable Table() => CsvTable.Parse(Summary, "summary.csv");

    [Fact]
    public void Parse_ColumnAndIncreasingEdges()
    {
        var (column, edges) = EvaluationBins.Parse("noise_sigma: 0.0333, 0.1");
        Assert.Equal("noise_sigma", column);
        Assert.Equal([0.0333, 0.1], edges);
    }

    [Theory]
    [InlineData("noise_sigma", "COLUMN:EDGE")]
    [InlineData(":0.1", "COLUMN:EDGE")]
    [InlineData("noise_sigma:", "COLUMN:EDGE")]
    [InlineData("noise_sigma:0.1,x", "edge 'x' is not a finite number")]
    [InlineData("noise_sigma:0.1,NaN", "edge 'NaN' is not a finite number")]
    [InlineData("noise_sigma:0.1,0.1", "edges must increase, got 0.1 then 0.1")]
    public void Parse_BadSpec_ThrowsNamingTheFlag(string spec, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => EvaluationBins.Parse(spec));
        Assert.StartsWith("--bins: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Split_EachCutoutInTheBinOfItsOwnValue_EdgeIncludedAbove()
    {
        var bins = EvaluationBins.Split(Table(), LabelsCsv.Parse(Labels, "labels.csv"), "noise_sigma", [0.02, 0.25]);
        Assert.Equal(["noise_sigma < 0.02", "0.02 <= noise_sigma < 0.25", "noise_sigma >= 0.25"], bins.Select(b => b.Label));
        Assert.Equal(["c1", "r1"], bins[0].Labels.Select(l => l.Id));
        Assert.Equal(["c2", "r2", "c3", "r3"], bins[1].Labels.Select(l => l.Id)); // 0.02 is the second bin's lower edge
        Assert.Equal(["c4", "r4"], bins[2].Labels.Select(l => l.Id));
        Assert.Equal((double.NegativeInfinity, 0.02), (bins[0].Lower, bins[0].Upper));
        Assert.Equal((0.25, double.PositiveInfinity), (bins[2].Lower, bins[2].Upper));
    }

    [Fact]
    public void Split_PerBinEvaluation_SeparatesWhatThePooledFigureMixes()
    {
        var table = Table();
        var labels = LabelsCsv.Parse(Labels, "labels.csv");
        // Pooled: rings {5, 6, 3, 4} against clean {1, 2, 9, 8}: 8 of 16 pairs -> 0.5.
        Assert.Equal(0.5, new DetectionEvaluator(table, labels, ["anomaly"]).Evaluate()[0].Auc, 12);
        var bins = EvaluationBins.Split(table, labels, "noise_sigma", [0.1]);
        var low = new DetectionEvaluator(table, bins[0].Labels, ["anomaly"]).Evaluate();
        var high = new DetectionEvaluator(table, bins[1].Labels, ["anomaly"]).Evaluate();
        Assert.Equal(1.0, low.Single(m => m.Group == "ring").Auc, 12);
        Assert.Equal(0.0, high.Single(m => m.Group == "ring").Auc, 12);
        Assert.Equal((2, 2), (low[0].Positives, low[0].Negatives));
    }

    [Fact]
    public void Split_ValueNotANumberOrColumnMissing_ThrowsNamingFileCutoutAndColumn()
    {
        var labels = LabelsCsv.Parse(Labels, "labels.csv");
        var bad = CsvTable.Parse(Summary.Replace("c3,9,0.2", "c3,9,", StringComparison.Ordinal), "summary.csv");
        var e = Assert.Throws<InvalidDataException>(() => EvaluationBins.Split(bad, labels, "noise_sigma", [0.1]));
        Assert.Contains("summary.csv: cutout 'c3': noise_sigma is '', not a finite number", e.Message, StringComparison.Ordinal);
        var missing = Assert.Throws<InvalidDataException>(() => EvaluationBins.Split(Table(), labels, "snr", [10]));
        Assert.Contains("no 'snr' column (it has id, anomaly, noise_sigma)", missing.Message, StringComparison.Ordinal);
    }
}
