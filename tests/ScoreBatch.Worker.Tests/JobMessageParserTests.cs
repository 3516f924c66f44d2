using System.Text;
using ScoreBatch.Worker.Runner;

namespace ScoreBatch.Worker.Tests;

public sealed class JobMessageParserTests
{
    private readonly JobMessageParser _parser = new(k => k is "train" or "score", () => ["score", "train"]);

    private const string Full = "{\"schema\":1,\"id\":\"run-7\",\"kind\":\"score\",\"input\":\"galaxies/test/\",\"output\":\"out/run-7/\","
        + "\"model\":\"models/m1/final.ckpt\",\"params\":{\"t\":0.1}}";

    [Fact]
    public void Parse_FullMessage_AllFieldsWithTrailingSlashesTrimmed()
    {
        var r = _parser.Parse(Full).Request!;
        Assert.Equal(("run-7", "score", "galaxies/test", "out/run-7", "models/m1/final.ckpt"), (r.Id, r.Kind, r.Input, r.Output, r.Model));
        Assert.Equal(0.1, r.Params.GetDouble("t", 0, 0, 1));
    }

    [Fact]
    public void Parse_Base64OfSameJson_SameRequest()
    {
        var b64 = Convert.ToBase64String(Encoding.UTF8.GetBytes(Full));
        Assert.Equal(_parser.Parse(Full).Request!.ToJson(), _parser.Parse(b64).Request!.ToJson());
    }

    [Theory]
    [InlineData("aGVsbG8gd29ybGQ=")] // base64 of "hello world": decodes, but not to JSON
    [InlineData("////")]
    [InlineData("")]
    public void DecodeBody_NotJsonNorBase64Json_Null(string body) => Assert.Null(JobMessageParser.DecodeBody(body));

    [Theory]
    [InlineData("{\"schema\":\"1\",\"id\":\"j\",\"kind\":\"train\",\"output\":\"out/j\"}", "schema", "must be an integer")]
    [InlineData("{\"schema\":1,\"id\":\"a b\",\"kind\":\"train\",\"output\":\"out/j\"}", "id", "must be 1-128 characters")]
    [InlineData("{\"schema\":1,\"id\":\"j\",\"kind\":\"sample\",\"output\":\"out/j\"}", "kind", "'sample' is not a kind this worker runs (score, train)")]
    [InlineData("{\"schema\":1,\"id\":\"j\",\"kind\":\"train\",\"output\":\"out\"}", "output", "must name a file inside container 'out'")]
    [InlineData("{\"schema\":1,\"id\":\"j\",\"kind\":\"score\",\"output\":\"out/j\",\"model\":\"models\"}", "model", "must name a file")]
    [InlineData("[1,2]", "body", "must be a JSON object")]
    public void Parse_BadField_ProblemNamesFieldAndReason(string body, string field, string reason)
    {
        var p = _parser.Parse(body).Problem!;
        Assert.Equal(field, p.Field);
        Assert.Contains(reason, p.Reason, StringComparison.Ordinal);
    }
}
