using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Polly.Registry;
using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Storage.Hosting;
using ScoreBatch.Storage.Resilience;
using ScoreBatch.Storage.Status;
using ScoreBatch.Worker.Tests.Fakes;

namespace ScoreBatch.Worker.Tests;

/// <summary>The runner with the real named pipelines around a store that fails transiently: retries are absorbed and counted.</summary>
public sealed class ResilienceIntegrationTests
{
    [Fact]
    public async Task RunOnce_TwoTransientWriteFailures_JobSucceedsAndStatusCountsTwoRetries()
    {
        await using var h = new RunnerHarness();
        var pipelines = new ServiceCollection()
            .AddScoreBatchResilience(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ScoreBatch:Resilience:BaseDelay"] = "00:00:00",
            }).Build())
            .BuildServiceProvider().GetRequiredService<ResiliencePipelineProvider<string>>();
        var flaky = new FlakyArtifactStore(h.Store);
        var store = new ResilientArtifactStore(flaky, pipelines.GetPipeline(ResiliencePipelineNames.BlobRead), pipelines.GetPipeline(ResiliencePipelineNames.BlobWrite));
        h.Script.Run = async (c, ct) =>
        {
            flaky.FailNextWrites = 2;
            await store.WriteAsync(c.Request.Output + "/model.bin", BinaryData.FromString("w"), overwrite: false, ct);
            return JobOutcome.Completed;
        };
        await h.SubmitAsync(RunnerHarness.Train());

        await h.Runner.RunOnceAsync(RunnerHarness.Timeout);

        var status = await h.StatusOf("out/job-1");
        Assert.Equal((JobState.Succeeded, 2), (status.State, status.Retries));
        Assert.Equal("w", (await h.Store.ReadAsync("out/job-1/model.bin", RunnerHarness.Timeout)).ToString());
    }
}
