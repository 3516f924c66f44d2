using System.Globalization;
using ScoreBatch.Jobs.Scoring;

namespace ScoreBatch.Jobs.Tests.Scoring;

public class ScoreSummaryTests
{
    [Fact]
    public void FromMap_HandMadeMap_MeanMaxAndFractionAbove()
    {
        // 2x3 map with |g| = 1, 2, 3, 4, 10, 0: mean 20/6, max 10 at (1, 1), 2 of 6 above 3.5.
        float[] map = [1, -2, 3, -4, 10, 0];
        var s = ScoreSummary.FromMap("a.npy#0", "a.npy", 2, 3, map, threshold: 3.5, t: 0.02);
        Assert.Equal(20.0 / 6, s.MeanAbsScore, 12);
        Assert.Equal(10.0, s.MaxAbsScore);
        Assert.Equal((1, 1), (s.MaxRow, s.MaxCol));
        Assert.Equal(2.0 / 6, s.FracAbove, 12);
    }

    [Fact]
    public void FromMap_NegativeExtreme_CountsByMagnitude()
    {
        // |-7| is the largest magnitude even though it is the smallest value.
        var s = ScoreSummary.FromMap("b", "b", 1, 3, [1f, -7f, 2f], threshold: 0, t: 0.05);
        Assert.Equal(7.0, s.MaxAbsScore);
        Assert.Equal(1, s.MaxCol);
        Assert.Equal(1.0, s.FracAbove); // every pixel is above a threshold of 0
    }

    [Fact]
    public void Csv_RowsQuoteCommasAndRoundTripNumbers()
    {
        var s = new ScoreSummary("weird,name.npy#2", "weird,name.npy", 31, 31, 0.1, 12.5, 3, 4, 0.25, 100, 0.02, 0.001, 0.375, 2);
        var text = System.Text.Encoding.UTF8.GetString(ScoreSummaryCsv.ToBytes([s]));
        var lines = text.Split('\n');
        Assert.Equal(ScoreSummaryCsv.Header, lines[0]);
        Assert.Equal("\"weird,name.npy#2\",\"weird,name.npy\",31,31,0.1,12.5,3,4,0.25,100,0.02,0.001,0.375,2,,,,,,", lines[1]);
        Assert.Equal("", lines[2]); // newline-terminated, nothing after
        // The 11 original columns keep their order; the new ones are appended, so old readers by position still work.
        Assert.StartsWith("id,source,height,width,mean_abs_score,max_abs_score,max_row,max_col,frac_above,threshold,t,", ScoreSummaryCsv.Header, StringComparison.Ordinal);
        Assert.Equal(20, ScoreSummaryCsv.Header.Split(',').Length);
        Assert.Equal(0.1, double.Parse("0.1", CultureInfo.InvariantCulture));
    }
}
