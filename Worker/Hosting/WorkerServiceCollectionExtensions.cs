using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Worker.Runner;

namespace ScoreBatch.Worker.Hosting;

/// <summary>The Worker project's registration entry points.</summary>
public static class WorkerServiceCollectionExtensions
{
    /// <summary>
    /// Options (validated at start), the handler registry, the executor and the <see cref="QueueRunner"/> hosted
    /// service (and the <see cref="ScheduledEventsWatcher"/> when ScoreBatch:ScheduledEvents:Endpoint is set), and a host shutdown timeout equal to <see cref="WorkerOptions.ShutdownTimeout"/>. Storage comes from
    /// AddScoreBatchStorage (or test fakes registered before this call).
    /// </summary>
    public static IServiceCollection AddScoreBatchWorker(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WorkerOptions>().Bind(configuration.GetSection(WorkerOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WorkerOptions>, WorkerOptionsValidator>());
        services.AddOptions<JobLimits>().Bind(configuration.GetSection(JobLimits.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<JobLimits>, JobLimitsValidator>());
        // Read straight from configuration: going through IOptions<WorkerOptions> would run its validation while the
        // host is being built, before ValidateOnStart reports every bad setting together.
        services.Configure<HostOptions>(host => host.ShutdownTimeout =
            configuration.GetSection(WorkerOptions.SectionName).GetValue<TimeSpan?>(nameof(WorkerOptions.ShutdownTimeout)) ?? new WorkerOptions().ShutdownTimeout);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<JobHandlerRegistry>();
        services.TryAddSingleton(sp => new Heartbeat(sp.GetRequiredService<IOptions<WorkerOptions>>().Value.ResolvedHeartbeatFile,
            sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<WorkerReadiness>();
        services.TryAddSingleton<JobExecutor>();
        services.TryAddSingleton(sp => new Lazy<JobExecutor>(sp.GetRequiredService<JobExecutor>));
        services.TryAddSingleton<Submission.JobSubmitter>();
        services.AddHostedService<QueueRunner>();
        var events = configuration.GetSection(ScheduledEventsOptions.SectionName).Get<ScheduledEventsOptions>() ?? new ScheduledEventsOptions();
        if (events.Check() is { Count: > 0 } errors) throw new OptionsValidationException(ScheduledEventsOptions.SectionName, typeof(ScheduledEventsOptions), errors);
        if (events.Endpoint.Length > 0)
        {
            services.AddSingleton(events);
            services.AddHostedService<ScheduledEventsWatcher>();
        }
        return services;
    }

    /// <summary>
    /// Registers one job handler (scoped: a fresh instance per message). Its <see cref="IJobHandler.Kind"/> is read
    /// at start; a kind outside the contract or registered twice stops the host with a message.
    /// </summary>
    public static IServiceCollection AddJobHandler<THandler>(this IServiceCollection services) where THandler : class, IJobHandler
    {
        services.TryAddScoped<THandler>();
        services.AddSingleton(new JobHandlerRegistration(typeof(THandler)));
        return services;
    }
}
