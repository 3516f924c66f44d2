using ScoreBatch.Jobs.Evaluation;
using SkiaSharp;

namespace ScoreBatch.Jobs.Tests.Evaluation;

public class DetectionEvaluatorTests
{
    // Two clean cutouts, two rings, one companion, one unlabelled row; max_abs_score ranks the ring r1 above both
    // clean ones, r2 between them, the companion below both; mean_abs_score is the reverse of max.
    private const string Summary = """
        id,source,max_abs_score,mean_abs_score,t
        c1,a.npy,2,5,0.02
        c2,a.npy,4,3,0.02
        r1,a.npy,9,1,0.02
        r2,a.npy,3,4,0.02
        m1,a.npy,1,9,0.02
        "x,1",a.npy,7,7,0.02
        """;

    private const string Labels = "id,label,kind\nc1,0,none\nc2,0,\nr1,1,ring\nr2,1,Ring\nm1,1,companion\n";

    private static DetectionEvaluator Make(string summary = Summary, string labels = Labels) =>
        new(CsvTable.Parse(summary, "summary.csv"), LabelsCsv.Parse(labels, "labels.csv"));

    [Fact]
    public void Evaluate_PerKindAndAll_HandComputedAucs()
    {
        var metrics = Make().Evaluate().ToDictionary(m => (m.Column, m.Group));
        // max: rings {9, 3} vs clean {2, 4}: pairs 1,1,1,0 -> 3/4; companion {1}: 0; all three: 3/6.
        Assert.Equal(0.75, metrics[("max_abs_score", "ring")].Auc, 12);
        Assert.Equal(0.0, metrics[("max_abs_score", "companion")].Auc, 12);
        Assert.Equal(0.5, metrics[("max_abs_score", "all")].Auc, 12);
        // mean: rings {1, 4} vs clean {5, 3}: only (4, 3) -> 1/4; companion {9}: 1.
        Assert.Equal(0.25, metrics[("mean_abs_score", "ring")].Auc, 12);
        Assert.Equal(1.0, metrics[("mean_abs_score", "companion")].Auc, 12);
        Assert.Equal((2, 2), (metrics[("max_abs_score", "ring")].Positives, metrics[("max_abs_score", "ring")].Negatives));
    }

    [Fact]
    public void Extremes_HighestCleanAndLowestArtifactsPerKind_InRankOrder()
    {
        var e = Make();
        // max: clean c1 = 2, c2 = 4; rings r1 = 9, r2 = 3; companion m1 = 1.
        var x = e.Extremes("max_abs_score", 1);
        Assert.Equal([("c2", 4.0)], x.HighestClean);
        Assert.Equal(["companion", "ring"], x.LowestArtifacts.Keys);
        Assert.Equal([("r2", 3.0)], x.LowestArtifacts["ring"]);
        Assert.Equal([("m1", 1.0)], x.LowestArtifacts["companion"]);
        var all = e.Extremes("max_abs_score", 5); // at most what there is
        Assert.Equal(["c2", "c1"], all.HighestClean.Select(c => c.Id));
        Assert.Equal(["r2", "r1"], all.LowestArtifacts["ring"].Select(c => c.Id));
        Assert.Throws<ArgumentException>(() => e.Extremes("t", 1));
    }

    [Fact]
    public void Extremes_LowerIsAnomalousColumn_RanksByTheNegationAndReportsTheValue()
    {
        var e = new DetectionEvaluator(CsvTable.Parse("id,p_value\nc1,0.9\nc2,0.2\nr1,0.01\nr2,0.5\nm1,0.3\n", "summary.csv"),
            LabelsCsv.Parse(Labels, "labels.csv"), ["p_value"]);
        var x = e.Extremes("p_value", 1);
        Assert.Equal([("c2", 0.2)], x.HighestClean); // the smallest p-value of the clean ones is the worst false positive
        Assert.Equal([("r2", 0.5)], x.LowestArtifacts["ring"]);
    }

    [Fact]
    public void Constructor_DefaultColumns_OnlyThosePresentInOrder()
    {
        var e = Make();
        Assert.Equal(["max_abs_score", "mean_abs_score"], e.Columns); // no anomaly, no baselines in this summary; t is not a score
        Assert.Equal(["all", "companion", "ring"], e.Groups);      // kinds lower-cased ("Ring") and sorted
        Assert.Equal(1, e.UnlabelledRows);                          // "x,1" has no label
        Assert.Equal("max_abs_score", DetectionEvaluator.PreferredColumn(CsvTable.Parse(Summary, "s")));
        Assert.Equal("anomaly", DetectionEvaluator.PreferredColumn(CsvTable.Parse("id,max_abs_score,anomaly\n", "s")));
    }

    [Fact]
    public void Constructor_LabelWithoutSummaryRow_ThrowsNamingTheId()
    {
        var e = Assert.Throws<InvalidDataException>(() => Make(labels: Labels + "ghost.npy,1,ring\n"));
        Assert.Contains("'ghost.npy'", e.Message, StringComparison.Ordinal);
        Assert.Contains("summary.csv", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_ScoreNotANumber_ThrowsNamingCutoutAndColumn()
    {
        var e = Assert.Throws<InvalidDataException>(() => Make(summary: Summary.Replace("c2,a.npy,4", "c2,a.npy,NaN", StringComparison.Ordinal)));
        Assert.Contains("'c2'", e.Message, StringComparison.Ordinal);
        Assert.Contains("max_abs_score", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FormatTable_OneLinePerColumnAndKind_WithCounts()
    {
        var e = Make();
        var text = EvaluationReport.FormatTable(e, e.Evaluate());
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("5 labelled cutouts: 2 clean, 1 companion, 2 ring (1 summary rows", lines[0], StringComparison.Ordinal);
        Assert.Equal(2 + 2 * 3, lines.Length); // counts, header, 2 columns x 3 groups
        // Rows: max_abs_score all, companion, ring; then mean_abs_score. The ring row of max_abs_score shows 3/4.
        Assert.Matches(@"^\s+ring\s+2\s+2\s+0\.750\s", lines[4]);
        Assert.StartsWith("max_abs_score", lines[2], StringComparison.Ordinal);
        var json = System.Text.Json.JsonDocument.Parse(EvaluationReport.ToJson(e, e.Evaluate())).RootElement;
        Assert.Equal(6, json.GetProperty("metrics").GetArrayLength());
        Assert.Equal(0.75, json.GetProperty("metrics")[2].GetProperty("auc").GetDouble()); // max_abs_score, ring
    }

    [Fact]
    public void RocPlot_ThreeGroups_ThreePanelsSideBySide()
    {
        using var bitmap = SKBitmap.Decode(RocPlot.Render(Make()));
        Assert.Equal((3 * RocPlot.PanelSize, RocPlot.PanelSize), (bitmap.Width, bitmap.Height));
    }

    [Fact]
    public void Evaluate_PValueColumn_LowerCountsAsMoreAnomalous()
    {
        // p_value 0.01 for the artifact, 0.5 and 0.9 for the clean ones: a perfect detector read the right way round.
        var e = new DetectionEvaluator(CsvTable.Parse("id,p_value\na,0.5\nb,0.9\nc,0.01\n", "s.csv"),
            LabelsCsv.Parse("id,label,kind\na,0,none\nb,0,none\nc,1,ring\n", "l.csv"), ["p_value"]);
        Assert.Equal(1.0, e.Evaluate()[0].Auc);
    }

    [Fact]
    public void FormatTable_NoCleanCutouts_NotAvailableInsteadOfANumber()
    {
        // Without negatives no AUC or TPR exists: the table says n/a and the JSON null, never 0 or 1.
        var e = new DetectionEvaluator(CsvTable.Parse("id,max_abs_score\na,1\nb,2\n", "s.csv"),
            LabelsCsv.Parse("id,label,kind\na,1,ring\nb,1,ring\n", "l.csv"));
        var metrics = e.Evaluate();
        Assert.True(double.IsNaN(metrics[0].Auc));
        Assert.Matches(@"all\s+2\s+0\s+n/a\s+n/a\s+n/a", EvaluationReport.FormatTable(e, metrics));
        var json = System.Text.Json.JsonDocument.Parse(EvaluationReport.ToJson(e, metrics)).RootElement;
        Assert.Equal(System.Text.Json.JsonValueKind.Null, json.GetProperty("metrics")[0].GetProperty("auc").ValueKind);
    }
}
