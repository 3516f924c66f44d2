using ScoreBatch.Jobs.Contracts;

namespace ScoreBatch.Worker.Tests.Fakes;

/// <summary>What the fake handlers do, set per test; records calls and lets a test wait until a run has started.</summary>
public sealed class HandlerScript
{
    private int _calls;

    public Func<JobContext, CancellationToken, Task<JobOutcome>> Run { get; set; } = (_, _) => Task.FromResult(JobOutcome.Completed);

    public Action<JobRequest>? Validate { get; set; }

    public int Calls => Volatile.Read(ref _calls);

    /// <summary>Completed when the first run starts, with its context.</summary>
    public TaskCompletionSource<JobContext> Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The token the latest run was given.</summary>
    public CancellationToken LastToken { get; private set; }

    internal Task<JobOutcome> Invoke(JobContext context, CancellationToken token)
    {
        Interlocked.Increment(ref _calls);
        LastToken = token;
        Started.TrySetResult(context);
        return Run(context, token);
    }
}

/// <summary>A "train" handler driven by <see cref="HandlerScript"/>.</summary>
public sealed class FakeTrainHandler(HandlerScript script) : IJobHandler
{
    public string Kind => "train";
    public void Validate(JobRequest request, JobParamLimits limits) => script.Validate?.Invoke(request);
    public Task<JobOutcome> RunAsync(JobContext context, CancellationToken cancellationToken) => script.Invoke(context, cancellationToken);
}

/// <summary>A "score" handler that writes one output file and completes.</summary>
public sealed class FakeScoreHandler : IJobHandler
{
    public string Kind => "score";
    public void Validate(JobRequest request, JobParamLimits limits) => request.Params.GetInt32("shards", 1, 1, 16);

    public async Task<JobOutcome> RunAsync(JobContext context, CancellationToken cancellationToken)
    {
        var shards = context.Request.Params.GetInt32("shards", 1, 1, 16);
        for (var i = 0; i < shards; i++)
        {
            var path = Storage.Abstractions.ArtifactPath.Combine(context.Request.Output, $"scores/{i:D4}.txt");
            await context.Store.WriteAsync(path, BinaryData.FromString($"shard {i}"), overwrite: false, cancellationToken);
            context.Progress.Report(new JobProgress(i + 1, shards, "shards"));
        }
        return JobOutcome.Completed;
    }
}
