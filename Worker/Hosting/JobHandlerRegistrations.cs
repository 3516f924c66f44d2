using Microsoft.Extensions.DependencyInjection;
using ScoreBatch.Jobs.Kinds.Calibrate;
using ScoreBatch.Jobs.Kinds.Clean;
using ScoreBatch.Jobs.Kinds.Likelihood;
using ScoreBatch.Jobs.Kinds.Sample;
using ScoreBatch.Jobs.Kinds.Score;
using ScoreBatch.Jobs.Kinds.Train;

namespace ScoreBatch.Worker.Hosting;

/// <summary>
/// The single list of job handlers the `scorebatch worker` host runs: one services.AddJobHandler&lt;T&gt;() line per
/// kind. A kind outside the contract or registered twice stops the host at start.
/// </summary>
public static class JobHandlerRegistrations
{
    public static IServiceCollection AddScoreBatchJobHandlers(this IServiceCollection services) => services
        .AddJobHandler<TrainJobHandler>()
        .AddJobHandler<ScoreJobHandler>()
        .AddJobHandler<CalibrateJobHandler>()
        .AddJobHandler<SampleJobHandler>()
        .AddJobHandler<LikelihoodJobHandler>()
        .AddJobHandler<CleanJobHandler>();
}
