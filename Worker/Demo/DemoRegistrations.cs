using Microsoft.Extensions.DependencyInjection;

namespace ScoreBatch.Worker.Demo;

/// <summary>
/// Where the demo's <see cref="IDemoDataSource"/> is registered: services.AddSingleton&lt;IDemoDataSource, T&gt;() with
/// the synthetic-galaxy source from ScoreBatch.Jobs once the science branches are merged. Until then `scorebatch
/// demo` stops and says what is missing.
/// </summary>
public static class DemoRegistrations
{
    public static IServiceCollection AddScoreBatchDemo(this IServiceCollection services) => services;
}
