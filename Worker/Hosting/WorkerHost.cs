using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using ScoreBatch.Jobs.Kinds.Train;
using ScoreBatch.Storage.Hosting;

namespace ScoreBatch.Worker.Hosting;

/// <summary>Builds the worker host: configuration, logging, storage, the runner and the job handlers.</summary>
public static class WorkerHost
{
    /// <summary>
    /// Configuration, last wins: appsettings.json next to the program (optional), environment variables
    /// (SCOREBATCH__QUEUENAME, SCOREBATCH__STORAGE__CONNECTIONSTRING, ...), then <paramref name="overrides"/>
    /// (command-line options, as "ScoreBatch:Key" pairs). <paramref name="registerHandlers"/> replaces the product's
    /// handler list (<see cref="JobHandlerRegistrations"/>), for tests that run fake jobs.
    /// </summary>
    public static HostApplicationBuilder CreateBuilder(IReadOnlyDictionary<string, string?>? overrides = null,
        Action<IServiceCollection>? registerHandlers = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddJsonFile("appsettings.json", optional: true, reloadOnChange: false);
        builder.Configuration.AddEnvironmentVariables();
        if (overrides is not null) builder.Configuration.AddInMemoryCollection(overrides);

        // One line per event, exceptions included (OneLineConsoleFormatter); SCOREBATCH_DEBUG=1 adds the traces.
        builder.Logging.AddConsole(o => o.FormatterName = OneLineConsoleFormatter.Name)
            .AddConsoleFormatter<OneLineConsoleFormatter, SimpleConsoleFormatterOptions>(o =>
            {
                o.IncludeScopes = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
            });
        builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        // The SDK logs expected 404/409 answers (probes, conditional writes) as warnings; real failures surface as exceptions.
        builder.Logging.AddFilter("Azure", LogLevel.Error);
        // Polly's own telemetry repeats every retry that the storage pipelines already log as one line of their own.
        builder.Logging.AddFilter("Polly", DebugSwitch.IsOn ? LogLevel.Warning : LogLevel.None);
        // The host logs a start-up fault (bad settings) with its trace before the CLI prints the same fault as one line.
        if (!DebugSwitch.IsOn) builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);

        builder.Services.AddScoreBatchStorage(builder.Configuration);
        builder.Services.AddScoreBatchWorker(builder.Configuration);
        builder.Services.AddSingleton(builder.Configuration.GetSection(TrainJobHandlerOptions.SectionName).Get<TrainJobHandlerOptions>() ?? new TrainJobHandlerOptions());
        if (registerHandlers is null) builder.Services.AddScoreBatchJobHandlers();
        else registerHandlers(builder.Services);
        return builder;
    }
}
