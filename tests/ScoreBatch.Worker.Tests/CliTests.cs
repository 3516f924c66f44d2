using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Storage.Status;
using ScoreBatch.Worker.Cli;
using ScoreBatch.Worker.Hosting;
using ScoreBatch.Worker.Runner;

namespace ScoreBatch.Worker.Tests;

public sealed class CliTests
{
    [Fact]
    public void SubmitBuild_Options_SchemaOneRequestWithTypedParams()
    {
        var r = SubmitCommand.Build(null, "train", "j1", "galaxies/train", "out/j1", null, ["steps=200", "lr=0.0003", "optimizer=adam", "export_eqx=true"]);
        Assert.Equal(("j1", "train", "galaxies/train", "out/j1"), (r.Id, r.Kind, r.Input, r.Output));
        Assert.Equal(200, r.Params.GetInt32("steps", 0, 1, 1000));
        Assert.Equal(0.0003, r.Params.GetDouble("lr", 0, 0, 1));
        Assert.Equal("adam", r.Params.GetString("optimizer", ""));
        Assert.True(r.Params.GetBool("export_eqx", false));
    }

    [Fact]
    public void SubmitBuild_ScoreWithSplitZero_RefusedNamingParamsSplit()
    {
        var e = Assert.Throws<JobValidationException>(() => SubmitCommand.Build(null, "score", "s1", "galaxies/all", "out/s1", "models/model.ckpt", ["split=0"]));
        Assert.Equal("params.split", e.Field);
        Assert.Equal(500, SubmitCommand.Build(null, "score", "s1", "galaxies/all", "out/s1", "models/model.ckpt", ["split=500"]).Params.GetInt32("split", 0, 1, 1000));
    }

    [Fact]
    public void SubmitBuild_TrainWithSplit_RefusedAsNotAParamOfTrainJobs()
    {
        var e = Assert.Throws<JobValidationException>(() => SubmitCommand.Build(null, "train", "j1", "galaxies/train", "out/j1", null, ["split=10"]));
        Assert.Equal("params.split", e.Field);
    }

    [Fact]
    public void SubmitBuild_MisspeltParam_RefusedWithSuggestionAndKnownList()
    {
        var e = Assert.Throws<JobValidationException>(() => SubmitCommand.Build(null, "train", "j1", "galaxies/train", "out/j1", null, ["stpes=5"]));
        Assert.Equal("params.stpes", e.Field);
        Assert.Contains("did you mean 'steps'?", e.Message, StringComparison.Ordinal);
        Assert.Contains("known: architecture, attn_resolution, batch, blocks", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SubmitBuild_FileWithRepeatedKey_RefusedNamingFileAndKey()
    {
        var file = new FileInfo(Path.GetTempFileName());
        try
        {
            File.WriteAllText(file.FullName, "{\"schema\":1,\"kind\":\"score\",\"output\":\"out/a\",\"params\":{\"t\":0.5,\"t\":0.1}}");
            var e = Assert.Throws<JobValidationException>(() => SubmitCommand.Build(file, null, null, null, null, null, []));
            Assert.Equal($"{file.Name}: params.t", e.Field);
            Assert.Contains("appears twice", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            file.Delete();
        }
    }

    [Fact]
    public void SubmitBuild_FileWithByteOrderMark_Accepted()
    {
        var file = new FileInfo(Path.GetTempFileName());
        try
        {
            File.WriteAllText(file.FullName, "{\"schema\":1,\"kind\":\"score\",\"output\":\"out/a\",\"model\":\"models/x.ckpt\"}", new System.Text.UTF8Encoding(true));
            Assert.Equal(0xEF, File.ReadAllBytes(file.FullName)[0]);
            Assert.Equal("out/a", SubmitCommand.Build(file, null, "j", null, null, null, []).Output);
        }
        finally
        {
            file.Delete();
        }
    }

    [Fact]
    public void SubmitBuild_FileAndOverrides_OptionsWin()
    {
        var file = new FileInfo(Path.GetTempFileName());
        try
        {
            File.WriteAllText(file.FullName, "{\"schema\":1,\"kind\":\"score\",\"output\":\"out/a\",\"model\":\"models/x.ckpt\",\"params\":{\"t\":0.5}}");
            var r = SubmitCommand.Build(file, null, null, null, "out/b", null, ["t=0.1"]);
            Assert.Equal(("score", "out/b", "models/x.ckpt"), (r.Kind, r.Output, r.Model));
            Assert.Equal(0.1, r.Params.GetDouble("t", 0, 0, 1));
            Assert.StartsWith("score-", r.Id, StringComparison.Ordinal);
        }
        finally
        {
            file.Delete();
        }
    }

    [Fact]
    public void SubmitBuild_BadOutput_ThrowsNamingField()
    {
        var e = Assert.Throws<JobValidationException>(() => SubmitCommand.Build(null, "train", "j", null, "out/../x", null, []));
        Assert.Equal("output", e.Field);
    }

    [Fact]
    public void StatusDescribe_RunningWithProgressAndError_ReadableLines()
    {
        var s = new JobStatus
        {
            JobId = "j1", Kind = "train", State = JobState.Running, Attempt = 2, Progress = new JobStatusProgress(250, 1000, "steps"),
            LastError = "IOException: reset", Retries = 3, UpdatedAt = DateTimeOffset.UnixEpoch, WorkerId = "w1",
        };
        var text = StatusCommand.Describe(s, "out/j1");
        Assert.Contains("j1 (train): running, attempt 2", text, StringComparison.Ordinal);
        Assert.Contains("progress: 250/1000 steps (25 %)", text, StringComparison.Ordinal);
        Assert.Contains("last error: IOException: reset", text, StringComparison.Ordinal);
        Assert.Contains("storage retries: 3", text, StringComparison.Ordinal);
    }

    [Fact]
    public void StatusDescribe_FailedSplitParent_PartsLineAndEachFailedChild()
    {
        var s = new JobStatus
        {
            JobId = "survey", Kind = "score", State = JobState.Failed, Attempt = 1, Progress = new JobStatusProgress(2, 3, "parts", "600 cutouts scored"),
            LastError = "part survey/part-00001 failed: f-02.npy: must be finite", UpdatedAt = DateTimeOffset.UnixEpoch,
            Parts = new JobStatusParts(3, [0, 2], 600, [new JobStatusPartFailure("survey/part-00001", "f-02.npy: must be finite")]),
        };
        var text = StatusCommand.Describe(s, "out/survey");
        Assert.Contains("progress: 2/3 parts (67 %) 600 cutouts scored", text, StringComparison.Ordinal);
        Assert.Contains("parts:    2/3 succeeded, 600 cutouts scored (children: survey/part-NNNNN)", text, StringComparison.Ordinal);
        Assert.Contains("failed:   survey/part-00001: f-02.npy: must be finite", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Heartbeat_TouchedThenAged_AgeFollowsClock()
    {
        var path = Path.Combine(Path.GetTempPath(), $"hb-{Guid.NewGuid():N}", "heartbeat");
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        try
        {
            Assert.Null(Heartbeat.Age(path, time));
            Assert.True(new Heartbeat(path, TimeProvider.System).Touch());
            time.Advance(TimeSpan.FromMinutes(5));
            Assert.InRange(Heartbeat.Age(path, time)!.Value.TotalMinutes, 4.9, 5.1);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    [Fact]
    public void Heartbeat_UnwritablePath_ReturnsFalseWithoutThrowing()
        => Assert.False(new Heartbeat("/proc/scorebatch/heartbeat", TimeProvider.System).Touch());

    [Fact]
    public void WorkerHost_ShutdownTimeoutSetting_BecomesHostShutdownTimeout()
    {
        var builder = WorkerHost.CreateBuilder(new Dictionary<string, string?> { ["ScoreBatch:ShutdownTimeout"] = "00:00:42" });
        using var host = builder.Build();
        Assert.Equal(TimeSpan.FromSeconds(42), host.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout);
    }

    [Fact]
    public void WorkerHost_EnvironmentStyleKeys_BindCaseInsensitively()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["SCOREBATCH:QUEUENAME"] = "gpu-jobs" }).Build();
        var o = new WorkerOptions();
        config.GetSection(WorkerOptions.SectionName).Bind(o);
        Assert.Equal(("gpu-jobs", "gpu-jobs-poison"), (o.QueueName, o.PoisonQueueName));
    }
}
