using Microsoft.Extensions.DependencyInjection;

namespace ScoreBatch.Worker.Hosting;

/// <summary>
/// The single list of job handlers the `scorebatch worker` host runs: one services.AddJobHandler&lt;T&gt;() line per
/// kind. The science branches contribute the "train" and "score" handlers (ScoreBatch.Jobs); until a line is
/// added here the worker refuses to start with "No job handlers are registered", rather than accept jobs it
/// cannot run.
/// </summary>
public static class JobHandlerRegistrations
{
    public static IServiceCollection AddScoreBatchJobHandlers(this IServiceCollection services) => services;
}
