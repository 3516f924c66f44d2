using System.Runtime.CompilerServices;

namespace ScoreBatch.Jobs.Contracts;

/// <summary>
/// A handler with typed args: the request is parsed once into <typeparamref name="TArgs"/> (its record validates
/// every field, naming it), by <see cref="Validate(JobRequest, JobParamLimits)"/> before any work, and the same args reach
/// <see cref="ExecuteAsync"/>. Kinds derive from this; <see cref="IJobHandler"/> stays the runner's untyped view.
/// </summary>
/// <typeparam name="TArgs">The kind's args record (TrainJobArgs, ScoreJobArgs, ...).</typeparam>
public abstract class JobHandler<TArgs> : IJobHandler where TArgs : class
{
    private readonly ConditionalWeakTable<JobRequest, Parsed> _parsed = [];

    /// <summary>Args parsed under <paramref name="Limits"/>.</summary>
    private sealed record Parsed(JobParamLimits Limits, TArgs Args);

    public abstract string Kind { get; }

    /// <summary>The request's args under <paramref name="limits"/>, parsed on first use and kept for that request
    /// (parsed again only if asked under other limits).</summary>
    public TArgs ArgsOf(JobRequest request, JobParamLimits limits)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(limits);
        if (_parsed.TryGetValue(request, out var parsed) && parsed.Limits == limits) return parsed.Args;
        var args = Parse(request, limits);
        _parsed.AddOrUpdate(request, new Parsed(limits, args));
        return args;
    }

    /// <summary>Parses and checks the request, its params within the kind's ranges and <paramref name="limits"/>
    /// (<see cref="JobParamLimits.CheckSteps"/>, <see cref="JobParamLimits.CheckSize"/> for the params that ask for
    /// work or memory); throws <see cref="JobValidationException"/> naming the bad field.</summary>
    protected abstract TArgs Parse(JobRequest request, JobParamLimits limits);

    public void Validate(JobRequest request, JobParamLimits limits) => ArgsOf(request, limits);

    /// <summary>Validates under <see cref="JobParamLimits.None"/>: the kind's own ranges only (local commands, tests).</summary>
    public void Validate(JobRequest request) => Validate(request, JobParamLimits.None);

    public virtual void Prepare(JobRequest request)
    {
    }

    public Task<JobOutcome> RunAsync(JobContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        return ExecuteAsync(context, ArgsOf(context.Request, context.ParamLimits), cancellationToken);
    }

    /// <summary>Runs one attempt with the parsed <paramref name="args"/> (see <see cref="IJobHandler.RunAsync"/>).</summary>
    protected abstract Task<JobOutcome> ExecuteAsync(JobContext context, TArgs args, CancellationToken cancellationToken);
}
