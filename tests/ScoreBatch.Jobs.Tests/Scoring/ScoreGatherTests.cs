using System.Text;
using ScoreBatch.Jobs.Kinds.Score.Split;
using ScoreBatch.Jobs.Scoring;
using ScoreBatch.Storage.Formats;
using ScoreBatch.Storage.InMemory;

namespace ScoreBatch.Jobs.Tests.Scoring;

/// <summary>The gather of a split score job merges its children's summary.csv rows into one ranked file, line for line.</summary>
public sealed class ScoreGatherTests
{
    private const string Parent = "out/job";

    private static ScoreSummary Row(string id, double maxAbs) => new(id, id.Split('#')[0], 8, 8, maxAbs / 4, maxAbs, 1, 2, 0.25, 100, 0.02);

    private static SplitPlan Plan(int parts) => new("job", "in", 1, 0, "max_abs_score", "npy",
        [.. Enumerable.Range(0, parts).Select(p => (IReadOnlyList<SplitPlanFile>)[new SplitPlanFile($"in/f{p}.npy", $"f{p}.npy", 100)])]);

    private static async Task<InMemoryArtifactStore> StoreWithPartsAsync(params ScoreSummary[][] parts)
    {
        var store = new InMemoryArtifactStore(TimeProvider.System);
        for (var p = 0; p < parts.Length; p++)
            await store.WriteAsync($"{SplitNames.PartOutput(Parent, p)}/summary.csv", BinaryData.FromBytes(ScoreSummaryCsv.ToBytes(parts[p])), overwrite: true, CancellationToken.None);
        return store;
    }

    [Fact]
    public async Task CombineAsync_TwoParts_RankedHighestFirstTiesByIdNaNLastEachLineAsWritten()
    {
        ScoreSummary[] part0 = [Row("f0.npy#0", 2.0), Row("f0.npy#1", double.NaN), Row("f0.npy#2", 5.0)];
        ScoreSummary[] part1 = [Row("f1.npy#0", 5.0), Row("f1.npy#1", 7.5)];
        var store = await StoreWithPartsAsync(part0, part1);

        var files = await ScoreGather.CombineAsync(store, Parent, Plan(2), ArrayLimits.Default, CancellationToken.None);

        var (name, bytes) = Assert.Single(files);
        Assert.Equal("summary.csv", name);
        // 7.5, then the two 5.0 rows by id (f0 before f1), then 2.0, then the row without a finite score.
        ScoreSummary[] expected = [part1[1], part0[2], part1[0], part0[0], part0[1]];
        Assert.Equal(Encoding.UTF8.GetString(ScoreSummaryCsv.ToBytes(expected)), Encoding.UTF8.GetString(bytes));
    }

    [Fact]
    public async Task CombineAsync_Calibrated_RankedByAnomalyAndFeaturesInTheSameOrder()
    {
        // max_abs_score would rank f0.npy#0 first; with a calibration the anomaly column ranks (and features.csv follows).
        ScoreSummary[] part0 = [Row("f0.npy#0", 9) with { Anomaly = 1.5 }, Row("f0.npy#1", 1) with { Anomaly = 4.0 }];
        ScoreSummary[] part1 = [Row("f1.npy#0", 2) with { Anomaly = 3.0 }];
        var store = await StoreWithPartsAsync(part0, part1);
        await store.WriteAsync($"{SplitNames.PartOutput(Parent, 0)}/features.csv", BinaryData.FromString("id,a,b\nf0.npy#0,1,2\nf0.npy#1,3,4\n"), overwrite: true, CancellationToken.None);
        await store.WriteAsync($"{SplitNames.PartOutput(Parent, 1)}/features.csv", BinaryData.FromString("id,a,b\nf1.npy#0,5,6\n"), overwrite: true, CancellationToken.None);

        var files = await ScoreGather.CombineAsync(store, Parent, Plan(2) with { RankedBy = "anomaly" }, ArrayLimits.Default, CancellationToken.None);

        Assert.Equal(["summary.csv", "features.csv"], files.Select(f => f.RelativePath));
        Assert.Equal(Encoding.UTF8.GetString(ScoreSummaryCsv.ToBytes([part0[1], part1[0], part0[0]])), Encoding.UTF8.GetString(files[0].Bytes));
        Assert.Equal("id,a,b\nf0.npy#1,3,4\nf1.npy#0,5,6\nf0.npy#0,1,2\n", Encoding.UTF8.GetString(files[1].Bytes));
    }

    [Fact]
    public async Task CombineAsync_PartsWithDifferentColumns_NamesThePartThatDiffers()
    {
        var store = await StoreWithPartsAsync([Row("f0.npy#0", 1)], [Row("f1.npy#0", 2) with { LogLikelihood = -3, BitsPerDim = 0.5 }]);

        var e = await Assert.ThrowsAsync<InvalidDataException>(() => ScoreGather.CombineAsync(store, Parent, Plan(2), ArrayLimits.Default, CancellationToken.None));

        Assert.Contains("out/job/parts/part-00001/summary.csv", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CombineAsync_PartWithoutSummary_NamesTheMissingFile()
    {
        var store = await StoreWithPartsAsync([Row("f0.npy#0", 1)]);

        var e = await Assert.ThrowsAsync<InvalidDataException>(() => ScoreGather.CombineAsync(store, Parent, Plan(2), ArrayLimits.Default, CancellationToken.None));

        Assert.StartsWith("out/job/parts/part-00001/summary.csv: missing", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToSummary_RowWithEveryOptionalColumn_GivesBackTheSameSummary()
    {
        var row = Row("sub,dir/a \"x\".npy#3", 0.1 + 0.2) with
        {
            Region = new ScoreBatch.Jobs.Anomaly.ResidualRegion(3.25, 4.5, 7), Anomaly = 12.000000000000002, PValue = 1.0 / 3, Anomalous = true,
            LogLikelihood = -123.456, BitsPerDim = double.Epsilon,
        };
        var text = Encoding.UTF8.GetString(ScoreSummaryCsv.ToBytes([row]));

        var (header, lines) = ScoreSummaryCsvReader.Read(text, "summary.csv");
        var back = ScoreSummaryCsvReader.ToSummary(ScoreSummaryCsvReader.SplitFields(header, "summary.csv", 1), Assert.Single(lines).Fields, "summary.csv");

        Assert.Equal(row, back);
    }
}
