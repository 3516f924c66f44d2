using System.Runtime.CompilerServices;

namespace ScoreBatch.Jobs.Contracts;

/// <summary>
/// A handler with typed args: the request is parsed once into <typeparamref name="TArgs"/> (its record validates
/// every field, naming it), by <see cref="Validate"/> before any work, and the same args reach
/// <see cref="ExecuteAsync"/>. Kinds derive from this; <see cref="IJobHandler"/> stays the runner's untyped view.
/// </summary>
/// <typeparam name="TArgs">The kind's args record (TrainJobArgs, ScoreJobArgs, ...).</typeparam>
public abstract class JobHandler<TArgs> : IJobHandler where TArgs : class
{
    private readonly ConditionalWeakTable<JobRequest, TArgs> _parsed = [];

    public abstract string Kind { get; }

    /// <summary>The request's args, parsed on first use and kept for that request.</summary>
    public TArgs ArgsOf(JobRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return _parsed.GetValue(request, Parse);
    }

    /// <summary>Parses and checks the request; throws <see cref="JobValidationException"/> naming the bad field.</summary>
    protected abstract TArgs Parse(JobRequest request);

    public void Validate(JobRequest request) => ArgsOf(request);

    public virtual void Prepare(JobRequest request)
    {
    }

    public Task<JobOutcome> RunAsync(JobContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        return ExecuteAsync(context, ArgsOf(context.Request), cancellationToken);
    }

    /// <summary>Runs one attempt with the parsed <paramref name="args"/> (see <see cref="IJobHandler.RunAsync"/>).</summary>
    protected abstract Task<JobOutcome> ExecuteAsync(JobContext context, TArgs args, CancellationToken cancellationToken);
}
