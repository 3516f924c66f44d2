using Microsoft.Extensions.Logging.Abstractions;
using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Storage.InMemory;

namespace ScoreBatch.Jobs.Tests.Contracts;

public sealed class JobHandlerTests
{
    private sealed record CountArgs(long Count);

    private sealed class CountingHandler : JobHandler<CountArgs>
    {
        public int Parses { get; private set; }

        public CountArgs? Seen { get; private set; }

        public override string Kind => "score";

        protected override CountArgs Parse(JobRequest request, JobParamLimits limits)
        {
            Parses++;
            return new CountArgs(request.Params.GetInt64("count", 1, 1, 10));
        }

        protected override Task<JobOutcome> ExecuteAsync(JobContext context, CountArgs args, CancellationToken cancellationToken)
        {
            Seen = args;
            return Task.FromResult(JobOutcome.Completed);
        }
    }

    private static JobRequest Request(int count) => new()
    {
        Id = "j", Kind = "score", Output = "out/j", Params = new JobParams(new System.Text.Json.Nodes.JsonObject { ["count"] = count }),
    };

    [Fact]
    public async Task JobHandler_ValidateThenRun_ParsesTheRequestOnce_AndRunsWithThoseArgs()
    {
        var handler = new CountingHandler();
        var request = Request(3);
        handler.Validate(request);
        var context = new JobContext { Request = request, Store = new InMemoryArtifactStore(TimeProvider.System), Progress = new Progress<JobProgress>(), Logger = NullLogger.Instance };
        Assert.Equal(JobOutcome.Completed, await handler.RunAsync(context, CancellationToken.None));
        Assert.Equal((1, 3L), (handler.Parses, handler.Seen!.Count));
    }

    [Fact]
    public void JobHandler_BadParam_ValidateThrowsNamingIt_AndNothingIsKept()
    {
        var handler = new CountingHandler();
        var request = Request(99);
        Assert.Equal("params.count", Assert.Throws<JobValidationException>(() => handler.Validate(request)).Field);
        Assert.Throws<JobValidationException>(() => handler.Validate(request));
        Assert.Equal(2, handler.Parses);
    }
}
