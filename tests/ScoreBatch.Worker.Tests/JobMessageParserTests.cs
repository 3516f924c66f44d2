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
    [InlineData("run-7/part-00012", true)]
    [InlineData("run-7/part-12", false)]
    [InlineData("run-7/other", false)]
    [InlineData("/part-00012", false)]
    public void Parse_IdWithSlash_OnlyASplitJobsChildIdAccepted(string id, bool accepted)
    {
        var parsed = _parser.Parse(Full.Replace("\"id\":\"run-7\"", $"\"id\":\"{id}\"", StringComparison.Ordinal));
        Assert.Equal(accepted, parsed.Request is not null);
        if (!accepted) Assert.Equal("id", parsed.Problem!.Field);
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

    [Theory]
    [InlineData("{\"schema\":1,\"id\":\"a\",\"id\":\"b\",\"kind\":\"train\",\"output\":\"out/j\"}", "id", null, "out/j")]
    [InlineData("{\"schema\":1,\"id\":\"j\",\"kind\":\"train\",\"output\":\"out/j\",\"params\":{\"steps\":5,\"steps\":500}}", "params.steps", "j", "out/j")]
    [InlineData("{\"schema\":1,\"id\":\"j\",\"kind\":\"train\",\"output\":\"out/a\",\"output\":\"out/b\"}", "output", "j", null)]
    public void Parse_DuplicateKey_ProblemNamesTheKeyAndKeepsOnlyUnambiguousFields(string body, string field, string? id, string? output)
    {
        var p = _parser.Parse(body).Problem!;
        Assert.Equal(field, p.Field);
        Assert.Contains("appears twice", p.Reason, StringComparison.Ordinal);
        Assert.Equal((id, output), (p.JobId, p.Output));
    }

    [Theory]
    [InlineData("{\"a\":[{\"b\":1},{\"b\":2,\"c\":[1,{\"d\":0,\"d\":1}]}]}", "a[1].c[1].d")]
    [InlineData("{\"a\":{\"b\":1},\"c\":{\"b\":2}}", null)]
    [InlineData("[{\"x\":1},{\"x\":2}]", null)]
    [InlineData("{\"A\":1,\"a\":2}", null)]
    public void FindDuplicate_Document_PathOfTheRepeatedKeyOrNull(string json, string? expected) => Assert.Equal(expected, JsonDuplicateKeys.Find(json));

    [Fact]
    public void Parse_ByteOrderMarkBeforeJsonOrInsideBase64_SameRequest()
    {
        var plain = _parser.Parse(Full).Request!.ToJson();
        Assert.Equal(plain, _parser.Parse("\uFEFF" + Full).Request!.ToJson());
        var b64 = Convert.ToBase64String([.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(Full)]);
        Assert.Equal(plain, _parser.Parse(b64).Request!.ToJson());
    }

    [Theory]
    [InlineData("out/run\u202Egpj.exe", "U+202E")]
    [InlineData("out/run\u200B7", "U+200B")]
    [InlineData("out/run\u2066x\u2069", "U+2066")]
    public void Parse_OutputWithBidiOrInvisibleCharacter_RefusedNamingTheCodePoint(string output, string codePoint)
    {
        var p = _parser.Parse(Full.Replace("out/run-7/", output, StringComparison.Ordinal)).Problem!;
        Assert.Equal("output", p.Field);
        Assert.Contains(codePoint, p.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(output, p.Reason, StringComparison.Ordinal); // never echoed raw
    }
}
