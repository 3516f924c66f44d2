using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Jobs.Kinds.Calibrate;
using ScoreBatch.Jobs.Kinds.Score;

namespace ScoreBatch.Jobs.Tests.Handlers;

/// <summary>The job-wide cutout count (ScoreBatch:Limits:MaxCutoutsPerJob) holds over several files on both read
/// paths: the read-all of calibrate (as train and sample) and the streaming pipeline of score (as likelihood and clean).</summary>
public sealed class CutoutBudgetTests
{
    private static MemoryArtifactStore ThreeFiles(int cutoutsEach)
    {
        var store = new MemoryArtifactStore();
        store.Put("models/m.ckpt", CalibrateJobHandlerTests.Checkpoint(1));
        for (int i = 0; i < 3; i++) store.Put($"data/part{i}.npy", CalibrateJobHandlerTests.Galaxies(cutoutsEach, 10 + i));
        return store;
    }

    private static JobContext Context(MemoryArtifactStore store, JobRequest request, long maxCutouts) => new()
    {
        Request = request,
        Store = store,
        Progress = new Progress<JobProgress>(),
        Logger = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance,
        Device = "cpu",
        Cutouts = new CutoutBudget(maxCutouts),
    };

    [Fact]
    public async Task Calibrate_FilesWhoseSumPassesTheJobLimit_RefusedNamingInputAndSetting()
    {
        var store = ThreeFiles(4); // 12 cutouts, no file over 11
        var context = Context(store, HandlerJobs.Request("calibrate", "data", "cal", """{ "batch": 16 }"""), 11);

        var e = await Assert.ThrowsAsync<JobValidationException>(() => new CalibrateJobHandler().RunAsync(context, CancellationToken.None));

        Assert.Equal("input", e.Field);
        Assert.Contains("holds more than 11 cutouts (12 counted by 'data/part2.npy'; ScoreBatch:Limits:MaxCutoutsPerJob)", e.Message, StringComparison.Ordinal);
        Assert.Null(store.Get("cal/calibration.json"));
    }

    [Fact]
    public async Task Calibrate_FilesWhoseSumMeetsTheJobLimit_CompletesHavingCountedEveryFile()
    {
        var store = ThreeFiles(4);
        var context = Context(store, HandlerJobs.Request("calibrate", "data", "cal", """{ "batch": 16 }"""), 12);

        Assert.Equal(JobOutcome.Completed, await new CalibrateJobHandler().RunAsync(context, CancellationToken.None));

        Assert.Equal(12, context.Cutouts.Counted);
    }

    [Fact]
    public async Task Score_PipelineOverFilesWhoseSumPassesTheJobLimit_RefusedNamingInput()
    {
        var store = ThreeFiles(2); // 6 cutouts, downloaded and parsed concurrently
        var context = Context(store, HandlerJobs.Request("score", "data", "out", """{ "previews": 0, "batch": 2 }"""), 5);

        var e = await Assert.ThrowsAsync<JobValidationException>(() => new ScoreJobHandler().RunAsync(context, CancellationToken.None));

        Assert.Equal("input", e.Field);
        Assert.Contains("holds more than 5 cutouts", e.Message, StringComparison.Ordinal);
        Assert.Contains("ScoreBatch:Limits:MaxCutoutsPerJob", e.Message, StringComparison.Ordinal);
        Assert.Null(store.Get("out/summary.csv"));
    }

    [Fact]
    public async Task Score_PipelineOverFilesWhoseSumMeetsTheJobLimit_CompletesHavingCountedEveryFile()
    {
        var store = ThreeFiles(2);
        var context = Context(store, HandlerJobs.Request("score", "data", "out", """{ "previews": 0, "batch": 2 }"""), 6);

        Assert.Equal(JobOutcome.Completed, await new ScoreJobHandler().RunAsync(context, CancellationToken.None));

        Assert.Equal(6, context.Cutouts.Counted);
    }

    [Fact]
    public void CutoutBudget_ChargedConcurrently_CountsEveryCharge()
    {
        var budget = new CutoutBudget(1_000_000);

        Parallel.For(0, 1000, _ => budget.Charge("x.npy", 7));

        Assert.Equal(7000, budget.Counted);
        Assert.Equal("input", Assert.Throws<JobValidationException>(() => budget.Charge("y.npy", 1_000_000)).Field);
    }
}
