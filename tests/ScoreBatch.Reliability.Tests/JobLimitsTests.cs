using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Jobs.Kinds.Clean;
using ScoreBatch.Jobs.Kinds.Sample;
using ScoreBatch.Jobs.Kinds.Train;
using ScoreBatch.Reliability.Tests.Support;
using ScoreBatch.Worker.Runner;

namespace ScoreBatch.Reliability.Tests;

/// <summary>The limits: checked at start with messages naming the setting, and enforced naming the field.</summary>
public sealed class JobLimitsTests
{
    [Fact]
    public void Validator_Defaults_Valid() => Assert.True(new JobLimitsValidator().Validate(null, new JobLimits()).Succeeded);

    [Theory]
    [InlineData(nameof(JobLimits.MaxMessageBytes), "ScoreBatch:Limits:MaxMessageBytes must be between 256 and 65536 (the queue's limit), got 100000")]
    [InlineData(nameof(JobLimits.MaxCutoutSize), "ScoreBatch:Limits:MaxCutoutSize must be between 4 and 16384 pixels, got 0")]
    [InlineData(nameof(JobLimits.MaxCutoutsPerJob), "ScoreBatch:Limits:MaxCutoutsPerJob must be between 1 and 1000000000, got -1")]
    [InlineData(nameof(JobLimits.MaxSteps), "ScoreBatch:Limits:MaxSteps must be between 1 and 1000000000, got 0")]
    [InlineData(nameof(JobLimits.MaxDownloadBytesPerFile), "ScoreBatch:Limits:MaxDownloadBytesPerFile must be between 1 and 2147483591 (one in-memory array), got 4294967296")]
    public void Validator_OneBadSetting_FailsNamingSettingAndValue(string setting, string message)
    {
        var limits = setting switch
        {
            nameof(JobLimits.MaxMessageBytes) => new JobLimits { MaxMessageBytes = 100_000 },
            nameof(JobLimits.MaxCutoutSize) => new JobLimits { MaxCutoutSize = 0 },
            nameof(JobLimits.MaxCutoutsPerJob) => new JobLimits { MaxCutoutsPerJob = -1 },
            nameof(JobLimits.MaxSteps) => new JobLimits { MaxSteps = 0 },
            _ => new JobLimits { MaxDownloadBytesPerFile = 1L << 32 },
        };

        var result = new JobLimitsValidator().Validate(null, limits);

        Assert.Equal(message, Assert.Single(result.Failures!));
    }

    [Fact]
    public async Task WorkerProcess_InvalidLimitInEnvironment_RefusesToStartNamingTheSetting()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var cache = new TempFolder();
        using var w = WorkerProcess.Start("bad-limits", new Dictionary<string, string>
        {
            ["ScoreBatch:CacheDirectory"] = cache.Path,
            ["ScoreBatch:Limits:MaxSteps"] = "0",
            ["ScoreBatch:Limits:MaxCutoutSize"] = "100000",
        });

        Assert.True(await w.WaitForExitAsync(TimeSpan.FromSeconds(45), timeout.Token), w.Tail());
        Assert.NotEqual(0, w.ExitCode);
        Assert.Contains("ScoreBatch:Limits:MaxSteps must be between 1 and 1000000000, got 0", w.Output, StringComparison.Ordinal);
        Assert.Contains("ScoreBatch:Limits:MaxCutoutSize must be between 4 and 16384 pixels, got 100000", w.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"steps\":10000001}", "params.steps")]
    [InlineData("{\"steps\":0}", "params.steps")]
    [InlineData("{\"size\":513}", "params.size")]
    [InlineData("{\"size\":\"64\"}", "params.size")]
    public void TrainValidate_OverOrOutsideLimits_ThrowsNamingField(string parameters, string field)
    {
        var e = Assert.Throws<JobValidationException>(() => new TrainJobHandler().Validate(Request("train", parameters), new JobLimits().ToParamLimits()));

        Assert.Equal(field, e.Field);
    }

    [Theory]
    [InlineData("train", "{\"steps\":1001}", "params.steps", "ScoreBatch:Limits:MaxSteps")]
    [InlineData("train", "{\"size\":128}", "params.size", "ScoreBatch:Limits:MaxCutoutSize")]
    [InlineData("sample", "{\"steps\":1001}", "params.steps", "ScoreBatch:Limits:MaxSteps")]
    [InlineData("clean", "{\"steps\":1001}", "params.steps", "ScoreBatch:Limits:MaxSteps")]
    public void KindValidate_ParamOverALoweredWorkerLimit_ThrowsNamingFieldAndSetting(string kind, string parameters, string field, string setting)
    {
        var limits = new JobLimits { MaxSteps = 1000, MaxCutoutSize = 64 }.ToParamLimits();
        IJobHandler handler = kind switch { "train" => new TrainJobHandler(), "sample" => new SampleJobHandler(), _ => new CleanJobHandler() };

        var e = Assert.Throws<JobValidationException>(() => handler.Validate(Request(kind, parameters), limits));

        Assert.Equal(field, e.Field);
        Assert.Contains(setting, e.Message, StringComparison.Ordinal);
        Assert.EndsWith(kind == "train" && field == "params.size" ? "got 128" : "got 1001", e.Message, StringComparison.Ordinal);
        handler.Validate(Request(kind, parameters), JobParamLimits.None); // the kind's own range allows it
    }

    [Fact]
    public void TrainValidate_StepsNotGiven_DefaultIsNotJudgedByTheWorkerLimit()
    {
        var limits = new JobLimits { MaxSteps = 10 }.ToParamLimits();

        new TrainJobHandler().Validate(Request("train", "{}"), limits);

        Assert.Throws<JobValidationException>(() => new TrainJobHandler().Validate(Request("train", "{\"steps\":11}"), limits));
    }

    private static JobRequest Request(string kind, string parameters) => new()
    {
        Id = "j",
        Kind = kind,
        Input = "data/in",
        Output = "out/j",
        Model = "models/m.ckpt",
        Params = new JobParams((System.Text.Json.Nodes.JsonObject)System.Text.Json.Nodes.JsonNode.Parse(parameters)!),
    };

    [Fact]
    public void CheckBody_OneByteOverTheLimit_ProblemNamesBodyAndLimit()
    {
        var limits = new JobLimits { MaxMessageBytes = 1000 };
        // 'é' is two bytes in UTF-8: 500 characters are 1000 bytes, 501 are 1002.
        Assert.Null(JobLimitChecks.CheckBody(new string('é', 500), limits));

        var problem = JobLimitChecks.CheckBody(new string('é', 501), limits);

        Assert.Equal("body", problem!.Field);
        Assert.Contains("is 1002 bytes, over the limit of 1000 (ScoreBatch:Limits:MaxMessageBytes)", problem.Reason, StringComparison.Ordinal);
    }
}
