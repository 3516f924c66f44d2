using ScoreBatch.Jobs.Evaluation;

namespace ScoreBatch.Jobs.Tests.Evaluation;

public class LabelsCsvTests
{
    [Fact]
    public void FormatThenParse_QuotedIdsAndExtraColumn_RoundTrip()
    {
        DetectionLabel[] labels = [new("a,b.npy#1", false, "none"), new("ring/\"q\".npy", true, "ring")];
        var text = LabelsCsv.Format(labels, [("source", ["x.fits[SCI]", "y.npy"])]);
        Assert.StartsWith("id,label,kind,source\n", text, StringComparison.Ordinal);
        Assert.Equal(labels, LabelsCsv.Parse(text, "labels.csv"));
    }

    [Theory]
    [InlineData("a,2,ring\n", "label must be 0")]
    [InlineData("a,1,\n", "needs its kind")]
    [InlineData("a,1,none\n", "needs its kind")]
    [InlineData("a,0,ring\n", "must have kind 'none'")]
    [InlineData("a,0,none\na,1,ring\n", "appears twice")]
    public void Parse_BadRow_ThrowsNamingFileAndProblem(string rows, string expected)
    {
        var e = Assert.Throws<InvalidDataException>(() => LabelsCsv.Parse("id,label,kind\n" + rows, "my-labels.csv"));
        Assert.Contains("my-labels.csv", e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CsvTable_QuotedCommaAndNewline_OneField()
    {
        var t = CsvTable.Parse("id,note\r\n\"a,b\",\"line1\nline2\"\r\n\r\nc,\"say \"\"hi\"\"\"\n", "t.csv");
        Assert.Equal(2, t.Rows.Count); // the blank line is skipped
        Assert.Equal(["a,b", "line1\nline2"], t.Rows[0]);
        Assert.Equal("say \"hi\"", t.Rows[1][1]);
        var e = Assert.Throws<InvalidDataException>(() => CsvTable.Parse("a,b\n1\n", "t.csv"));
        Assert.Contains("line 2 has 1 fields", e.Message, StringComparison.Ordinal);
    }
}
