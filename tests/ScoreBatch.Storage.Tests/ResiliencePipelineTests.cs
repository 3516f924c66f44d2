using Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Polly;
using Polly.Registry;
using Polly.Retry;
using Polly.Testing;
using ScoreBatch.Storage.Hosting;
using ScoreBatch.Storage.Resilience;

namespace ScoreBatch.Storage.Tests;

/// <summary>Tests the pipelines' configuration (names, strategies, options, what is transient), not Polly itself.</summary>
public sealed class ResiliencePipelineTests
{
    private static ResiliencePipelineProvider<string> Provider(Dictionary<string, string?>? settings = null)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(settings ?? []).Build();
        return new ServiceCollection().AddScoreBatchResilience(config).BuildServiceProvider()
            .GetRequiredService<ResiliencePipelineProvider<string>>();
    }

    [Theory]
    [InlineData("blob-read")]
    [InlineData("blob-write")]
    [InlineData("status")]
    [InlineData("queue")]
    public void Pipeline_Defaults_IsOneExponentialJitteredRetry(string name)
    {
        var descriptor = Provider().GetPipeline(name).GetPipelineDescriptor();
        var retry = Assert.IsType<RetryStrategyOptions>(Assert.Single(descriptor.Strategies).Options);
        Assert.Equal(4, retry.MaxRetryAttempts);
        Assert.Equal(DelayBackoffType.Exponential, retry.BackoffType);
        Assert.True(retry.UseJitter);
        Assert.Equal(TimeSpan.FromSeconds(0.5), retry.Delay);
        Assert.Equal(TimeSpan.FromSeconds(10), retry.MaxDelay);
    }

    [Fact]
    public void Pipeline_Configured_UsesConfiguredRetrySettings()
    {
        var descriptor = Provider(new() { ["ScoreBatch:Resilience:MaxRetryAttempts"] = "2", ["ScoreBatch:Resilience:BaseDelay"] = "00:00:03" })
            .GetPipeline("queue").GetPipelineDescriptor();
        var retry = Assert.IsType<RetryStrategyOptions>(Assert.Single(descriptor.Strategies).Options);
        Assert.Equal(2, retry.MaxRetryAttempts);
        Assert.Equal(TimeSpan.FromSeconds(3), retry.Delay);
    }

    [Fact]
    public void Pipeline_ChaosEnabledForOnePipeline_AddsLatencyAndFaultOnlyThere()
    {
        var provider = Provider(new()
        {
            ["ScoreBatch:Resilience:Chaos:Enabled"] = "true",
            ["ScoreBatch:Resilience:Chaos:FaultRate"] = "0.2",
            ["ScoreBatch:Resilience:Chaos:LatencyRate"] = "0.1",
            ["ScoreBatch:Resilience:Chaos:Pipelines:0"] = "blob-write",
        });
        Assert.Equal(3, provider.GetPipeline("blob-write").GetPipelineDescriptor().Strategies.Count);
        Assert.Single(provider.GetPipeline("blob-read").GetPipelineDescriptor().Strategies);
    }

    public static TheoryData<Exception, bool> Faults() => new()
    {
        { new RequestFailedException(503, "busy"), true },
        { new RequestFailedException(500, "boom"), true },
        { new RequestFailedException(429, "throttled"), true },
        { new RequestFailedException(408, "timeout"), true },
        { new RequestFailedException(0, "no response"), true },
        { new RequestFailedException(404, "not found"), false },
        { new RequestFailedException(409, "exists"), false },
        { new RequestFailedException(412, "condition"), false },
        { new RequestFailedException(403, "auth"), false },
        { new IOException("reset"), true },
        { new HttpRequestException("refused"), true },
        { new TimeoutException(), true },
        { new InvalidOperationException(), false },
        { new OperationCanceledException(), false },
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task ShouldHandle_Fault_RetriesOnlyTransient(Exception fault, bool expected)
    {
        var retry = (RetryStrategyOptions)Provider().GetPipeline("blob-read").GetPipelineDescriptor().Strategies[0].Options!;
        var context = ResilienceContextPool.Shared.Get();
        var handled = await retry.ShouldHandle(new RetryPredicateArguments<object>(context, Outcome.FromException<object>(fault), 0));
        Assert.Equal(expected, handled);
    }

    [Fact]
    public async Task Pipeline_TwoTransientFaults_CountsTwoRetriesInScope()
    {
        var pipeline = Provider(new() { ["ScoreBatch:Resilience:BaseDelay"] = "00:00:00" }).GetPipeline("status");
        var calls = 0;
        using var scope = RetryCounter.BeginScope();
        await pipeline.ExecuteAsync(_ => ++calls <= 2 ? throw new IOException("blip") : ValueTask.CompletedTask, CancellationToken.None);
        Assert.Equal(3, calls);
        Assert.Equal(2, scope.Total);
        Assert.Equal(2, scope.ByPipeline["status"]);
    }
}
