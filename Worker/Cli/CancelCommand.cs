using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using ScoreBatch.Storage.Abstractions;
using ScoreBatch.Storage.Status;
using ScoreBatch.Worker.Submission;

namespace ScoreBatch.Worker.Cli;

/// <summary>`scorebatch cancel &lt;id|output&gt;`: asks a queued or running job to stop (<see cref="JobCanceller"/>).</summary>
internal static class CancelCommand
{
    public static Command Create()
    {
        var storage = new StorageCliOptions();
        var target = new Argument<string>("id-or-output") { Description = "A job id given to submit, or the job's output prefix (container/prefix)." };
        var command = new Command("cancel", "Cancel a queued or running job (a running one stops within one progress interval, 10 s by default).");
        command.Arguments.Add(target);
        storage.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            using var host = storage.BuildHost(parse);
            var store = host.Services.GetRequiredService<IArtifactStore>();
            var value = parse.GetValue(target)!;
            var output = await JobTarget.ResolveAsync(store, value, "cancel", ct).ConfigureAwait(false);
            if (output is null) return 1;
            var canceller = new JobCanceller(store, host.Services.GetRequiredService<IStatusStore>(), host.Services.GetRequiredService<TimeProvider>());
            var result = await canceller.CancelAsync(output, "cli@" + Environment.MachineName, ct).ConfigureAwait(false);
            if (result is null)
            {
                await Console.Error.WriteLineAsync($"cancel: {output}/status.json does not exist").ConfigureAwait(false);
                return 1;
            }
            if (!result.Requested)
            {
                await Console.Error.WriteLineAsync($"cancel: {result.JobId} already {Lower(result.Before)}; nothing to cancel").ConfigureAwait(false);
                return 1;
            }
            Console.WriteLine(result.Before == JobState.Queued
                ? $"{result.JobId}: cancelled (it was queued; a worker that dequeues it drops it)"
                : $"{result.JobId}: cancel requested (it was {Lower(result.Before)}; it stops at its next progress tick)");
            return 0;
        });
        return command;
    }

    private static string Lower(JobState s) => s.ToString().ToLowerInvariant();
}
