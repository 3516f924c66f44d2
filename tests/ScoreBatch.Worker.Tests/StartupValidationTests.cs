using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Storage.Abstractions;
using ScoreBatch.Storage.InMemory;
using ScoreBatch.Storage.Status;
using ScoreBatch.Worker.Hosting;
using ScoreBatch.Worker.Runner;
using ScoreBatch.Worker.Tests.Fakes;

namespace ScoreBatch.Worker.Tests;

/// <summary>What stops the host at start: bad options, a kind outside the contract, a kind twice, no handler.</summary>
public sealed class StartupValidationTests
{
    private sealed class PaintHandler : IJobHandler
    {
        public string Kind => "paint";
        public void Validate(JobRequest request, JobParamLimits limits) { }
        public Task<JobOutcome> RunAsync(JobContext context, CancellationToken cancellationToken) => Task.FromResult(JobOutcome.Completed);
    }

    private sealed class SecondTrainHandler : IJobHandler
    {
        public string Kind => "train";
        public void Validate(JobRequest request, JobParamLimits limits) { }
        public Task<JobOutcome> RunAsync(JobContext context, CancellationToken cancellationToken) => Task.FromResult(JobOutcome.Completed);
    }

    private static async Task<Exception> StartFails(Action<IServiceCollection> handlers, Dictionary<string, string?>? settings = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings ?? []);
        var store = new InMemoryArtifactStore();
        builder.Services.AddSingleton<IJobQueueProvider>(new InMemoryJobQueueProvider());
        builder.Services.AddSingleton<IArtifactStore>(store);
        builder.Services.AddSingleton<IStatusStore>(new BlobStatusStore(store, Polly.ResiliencePipeline.Empty));
        builder.Services.AddSingleton(new HandlerScript());
        builder.Services.AddScoreBatchWorker(builder.Configuration);
        handlers(builder.Services);
        using var host = builder.Build();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var e = await Record.ExceptionAsync(() => host.StartAsync(cts.Token));
        Assert.NotNull(e);
        return e;
    }

    [Fact]
    public async Task Start_NoHandlers_FailsNamingTheRegistrationFile()
    {
        var e = await StartFails(_ => { });
        Assert.Contains("No job handlers are registered", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_KindOutsideContract_FailsNamingKind()
    {
        var e = await StartFails(s => s.AddJobHandler<PaintHandler>());
        Assert.Contains("PaintHandler.Kind is 'paint'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_KindTwice_FailsNamingBothHandlers()
    {
        var e = await StartFails(s => s.AddJobHandler<FakeTrainHandler>().AddJobHandler<SecondTrainHandler>());
        Assert.Contains("Job kind 'train' is registered twice: FakeTrainHandler and SecondTrainHandler", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_BadOptions_FailsNamingEachSetting()
    {
        // No handler registered either: the settings are reported first.
        var e = await StartFails(_ => { }, new()
        {
            ["ScoreBatch:QueueName"] = "Jobs_Queue",
            ["ScoreBatch:MaxAttempts"] = "0",
            ["ScoreBatch:Device"] = "tpu",
        });
        var v = Assert.IsType<OptionsValidationException>(e);
        Assert.Contains(v.Failures, f => f.StartsWith("ScoreBatch:QueueName", StringComparison.Ordinal) && f.Contains("'Jobs_Queue'", StringComparison.Ordinal));
        Assert.Contains(v.Failures, f => f.StartsWith("ScoreBatch:MaxAttempts", StringComparison.Ordinal) && f.EndsWith("got 0", StringComparison.Ordinal));
        Assert.Contains(v.Failures, f => f.StartsWith("ScoreBatch:Device", StringComparison.Ordinal) && f.Contains("'tpu'", StringComparison.Ordinal));
    }

    [Fact]
    public void Validator_Defaults_Pass()
        => Assert.True(new WorkerOptionsValidator().Validate(null, new WorkerOptions()).Succeeded);

    [Fact]
    public void Options_Defaults_MatchTheDesign()
    {
        var o = new WorkerOptions();
        Assert.Equal(("scorebatch-jobs", "scorebatch-jobs-poison"), (o.QueueName, o.PoisonQueueName));
        Assert.Equal((TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(2.5)), (o.VisibilityTimeout, o.RenewalInterval));
        Assert.Equal((5, 1), (o.MaxAttempts, o.Concurrency));
        Assert.Equal(TimeSpan.FromSeconds(0.2), o.MinPollDelay);
    }

    [Fact]
    public void Registry_TwoKinds_ListsThemSorted()
    {
        var services = new ServiceCollection().AddSingleton(new HandlerScript()).AddJobHandler<FakeTrainHandler>().AddJobHandler<FakeScoreHandler>();
        using var sp = services.BuildServiceProvider();
        var registry = new JobHandlerRegistry(sp.GetServices<JobHandlerRegistration>(), sp.GetRequiredService<IServiceScopeFactory>());
        Assert.Equal(["score", "train"], registry.Kinds);
    }
}
