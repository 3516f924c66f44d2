using System.CommandLine;
using Microsoft.Extensions.Configuration;
using ScoreBatch.Worker.Runner;

namespace ScoreBatch.Worker.Cli;

/// <summary>
/// `scorebatch health`: the container's liveness check. Exit 0 when the worker's heartbeat file was touched within
/// --max-age, 1 otherwise. The runner touches it on every loop turn and every progress tick, so a hung loop or a
/// wedged job shows up as a stale heartbeat.
/// </summary>
internal static class HealthCommand
{
    public static Command Create()
    {
        var maxAge = DurationOption.Create("--max-age", "Oldest acceptable heartbeat, in seconds or hh:mm:ss (default 00:02:00).", TimeSpan.FromMinutes(2));
        var file = new Option<string?>("--file") { Description = "Heartbeat file (default: ScoreBatch:HeartbeatFile, else <CacheDirectory>/heartbeat)." };
        var command = new Command("health", "Exit 0 if the worker's heartbeat is fresh (container HEALTHCHECK).");
        command.Options.Add(maxAge);
        command.Options.Add(file);
        command.SetAction(parse =>
        {
            var options = new WorkerOptions();
            new ConfigurationBuilder().AddEnvironmentVariables().Build().GetSection(WorkerOptions.SectionName).Bind(options);
            var path = parse.GetValue(file) ?? options.ResolvedHeartbeatFile;
            var age = Heartbeat.Age(path, TimeProvider.System);
            if (age is null)
            {
                Console.Error.WriteLine($"unhealthy: no heartbeat at {path}");
                return 1;
            }
            var limit = parse.GetValue(maxAge);
            Console.WriteLine($"{(age <= limit ? "healthy" : "unhealthy")}: heartbeat {age.Value.TotalSeconds:F0} s old (limit {limit.TotalSeconds:F0} s)");
            return age <= limit ? 0 : 1;
        });
        return command;
    }
}
