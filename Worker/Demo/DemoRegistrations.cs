using Microsoft.Extensions.DependencyInjection;

namespace ScoreBatch.Worker.Demo;

/// <summary>Where the demo's <see cref="IDemoDataSource"/> is registered: the synthetic-galaxy source.</summary>
public static class DemoRegistrations
{
    public static IServiceCollection AddScoreBatchDemo(this IServiceCollection services)
        => services.AddSingleton<IDemoDataSource, SyntheticDemoDataSource>();
}
