using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Jobs.Evaluation;
using ScoreBatch.Jobs.Kinds.Calibrate;
using ScoreBatch.Storage.Abstractions;
using ScoreBatch.Storage.Artifacts;
using ScoreBatch.Storage.Status;
using ScoreBatch.Worker.Demo;
using ScoreBatch.Worker.Hosting;
using ScoreBatch.Worker.Runner;
using ScoreBatch.Worker.Submission;

namespace ScoreBatch.Worker.Cli;

/// <summary>
/// `scorebatch demo`: end to end on the local default. Starts Azurite if it is not answering, uploads synthetic
/// galaxies, submits a training job, then a scoring job with the trained model to a queue of its own (named after
/// the run, so a shared Azurite's other queued jobs are not run), runs the worker in-process until both finish, copies the outputs (not checkpoints) to a local folder and prints where they are.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var storage = new StorageCliOptions();
        var outDir = new Option<DirectoryInfo>("--out") { Description = "Local folder for the outputs (default: .demo).", DefaultValueFactory = _ => new DirectoryInfo(".demo") };
        var timeout = new Option<TimeSpan>("--timeout") { Description = "Give up after this long (default 00:30:00).", DefaultValueFactory = _ => TimeSpan.FromMinutes(30) };
        var keep = new Option<bool>("--keep-azurite") { Description = "Leave an Azurite the demo started running (in memory: stopping it drops the blobs)." };
        var command = new Command("demo", "Run the end-to-end demo: synthetic galaxies, a training job and a scoring job.");
        command.Options.Add(outDir);
        command.Options.Add(timeout);
        command.Options.Add(keep);
        storage.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
            limit.CancelAfter(parse.GetValue(timeout));
            var startedAzurite = false;
            try
            {
                if (parse.GetValue(storage.Connection) is null && Environment.GetEnvironmentVariable("SCOREBATCH__STORAGE__CONNECTIONSTRING") is null
                    && !await AzuriteLauncher.AnswersAsync(limit.Token).ConfigureAwait(false))
                {
                    await AzuriteLauncher.RunScriptAsync("start", limit.Token).ConfigureAwait(false);
                    startedAzurite = true;
                }
                return await RunAsync(storage, parse, parse.GetValue(outDir)!, limit.Token).ConfigureAwait(false);
            }
            catch (DemoException e)
            {
                await Console.Error.WriteLineAsync($"demo: {e.Message}").ConfigureAwait(false);
                return 3;
            }
            finally
            {
                if (startedAzurite && !parse.GetValue(keep)) await AzuriteLauncher.RunScriptAsync("stop", CancellationToken.None).ConfigureAwait(false);
            }
        });
        return command;
    }

    private sealed class DemoException(string message) : Exception(message);

    private static async Task<int> RunAsync(StorageCliOptions storage, ParseResult parse, DirectoryInfo outDir, CancellationToken ct)
    {
        var run = $"demo-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..4]}";
        var overrides = storage.Overrides(parse);
        // Its own queue per run (unless --queue names one): on a shared storage account the demo's in-process worker
        // must run the demo's two jobs, not whatever other people left queued.
        overrides.TryAdd("ScoreBatch:QueueName", run);
        var builder = WorkerHost.CreateBuilder(overrides);
        builder.Services.AddScoreBatchDemo();
        using var host = builder.Build();
        var source = host.Services.GetService<IDemoDataSource>() ?? throw new DemoException(
            "no synthetic-galaxy source is registered (IDemoDataSource, Worker/Demo/DemoRegistrations.cs); "
            + "the demo needs the science branches merged and wired, and will not fake the data.");
        JobHandlerRegistry registry;
        try
        {
            registry = host.Services.GetRequiredService<JobHandlerRegistry>();
        }
        catch (InvalidOperationException e)
        {
            throw new DemoException(e.Message);
        }
        foreach (var kind in new[] { JobKinds.Train, JobKinds.Calibrate, JobKinds.Score, JobKinds.Clean, JobKinds.Sample })
        {
            if (!registry.Handles(kind))
                throw new DemoException($"no '{kind}' handler is registered (Worker/Hosting/JobHandlerRegistrations.cs); the demo needs train, calibrate, score, clean and sample.");
        }

        var store = host.Services.GetRequiredService<IArtifactStore>();
        var submitter = host.Services.GetRequiredService<JobSubmitter>();
        var status = host.Services.GetRequiredService<IStatusStore>();
        Console.WriteLine($"demo {run}: uploading synthetic galaxies...");
        var plan = await source.PrepareAsync(store, $"demo-input/{run}", ct).ConfigureAwait(false);
        var train = new JobRequest { Id = $"{run}-train", Kind = JobKinds.Train, Input = plan.TrainInput, Output = $"demo-output/{run}/train", Params = new JobParams(plan.TrainParams) };
        var model = ArtifactPath.Combine(train.Output, plan.ModelFile);
        JobRequest? calibrate = plan.CalibrationInput is null ? null : new JobRequest
        {
            Id = $"{run}-calibrate",
            Kind = JobKinds.Calibrate,
            Input = plan.CalibrationInput,
            Output = $"demo-output/{run}/calibrate",
            Model = model,
            Params = new JobParams(plan.CalibrationParams),
        };
        var scoreParams = plan.ScoreParams.DeepClone().AsObject();
        if (calibrate is not null) scoreParams["calibration"] = ArtifactPath.Combine(calibrate.Output, CalibrateJobArgs.FileName);
        var score = new JobRequest
        {
            Id = $"{run}-score",
            Kind = JobKinds.Score,
            Input = plan.ScoreInput,
            Output = $"demo-output/{run}/score",
            Model = model,
            Params = new JobParams(scoreParams),
        };
        List<JobRequest> jobs = calibrate is null ? [train, score] : [train, calibrate, score];
        if (plan.CleanInput is not null)
            jobs.Add(new JobRequest { Id = $"{run}-clean", Kind = JobKinds.Clean, Input = plan.CleanInput, Output = $"demo-output/{run}/clean", Model = model, Params = new JobParams(plan.CleanParams) });
        if (plan.SampleParams is not null)
            jobs.Add(new JobRequest { Id = $"{run}-sample", Kind = JobKinds.Sample, Input = plan.TrainInput, Output = $"demo-output/{run}/sample", Model = model, Params = new JobParams(plan.SampleParams) });

        await WorkerCommand.RunUntilAsync(host, async token =>
        {
            foreach (var job in jobs)
            {
                await submitter.SubmitAsync(job, base64: false, token).ConfigureAwait(false);
                Console.WriteLine($"demo: submitted {job.Kind} job {job.Id}");
                var final = await WaitAsync(status, job, host.Services.GetRequiredService<TimeProvider>(), token).ConfigureAwait(false);
                if (final.State != JobState.Succeeded)
                    throw new DemoException($"{job.Kind} job {job.Id} ended {final.State.ToString().ToLowerInvariant()}: {final.LastError}");
            }
        }, ct).ConfigureAwait(false);

        var local = Directory.CreateDirectory(Path.Combine(outDir.FullName, run));
        foreach (var job in jobs)
        {
            var manifest = await ManifestWriter.ReadAsync(store, job.Output, ct).ConfigureAwait(false)
                ?? throw new DemoException($"{job.Output}/_SUCCESS is missing although the job succeeded");
            foreach (var f in manifest.Files.Where(f => !f.Path.StartsWith(OutputLayout.CheckpointsFolder + "/", StringComparison.Ordinal)))
            {
                var target = Path.Combine(local.FullName, job.Kind, f.Path);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                await File.WriteAllBytesAsync(target, (await store.ReadAsync(ArtifactPath.Combine(job.Output, f.Path), ct).ConfigureAwait(false)).ToArray(), ct)
                    .ConfigureAwait(false);
            }
            Console.WriteLine($"demo: {job.Kind} outputs ({manifest.Files.Count} files) in storage at {job.Output}, copied to {Path.Combine(local.FullName, job.Kind)}");
        }
        if (plan.TruthFile is not null)
        {
            var truth = Path.Combine(local.FullName, Path.GetFileName(plan.TruthFile));
            await File.WriteAllBytesAsync(truth, (await store.ReadAsync(plan.TruthFile, ct).ConfigureAwait(false)).ToArray(), ct).ConfigureAwait(false);
            Console.WriteLine($"demo: which scoring cutouts carry an injected anomaly: {truth}");
            PrintAuc(new FileInfo(Path.Combine(local.FullName, JobKinds.Score, "summary.csv")), new FileInfo(truth), Console.Out);
        }
        var previews = Path.Combine(local.FullName, JobKinds.Score, "previews");
        if (Directory.Exists(previews)) Console.WriteLine($"demo: previews in {previews}");
        var frames = Path.Combine(local.FullName, JobKinds.Clean, "frames");
        if (Directory.Exists(frames))
            foreach (var gif in Directory.EnumerateFiles(frames, "*.gif").Order(StringComparer.Ordinal)) Console.WriteLine($"demo: cleaning GIF {gif}");
        var grid = Path.Combine(local.FullName, JobKinds.Sample, "grid.png");
        if (File.Exists(grid)) Console.WriteLine($"demo: samples {grid}");
        return 0;
    }

    /// <summary>
    /// The demo's last word: how well the best available summary column (anomaly, else max_abs_score) separates the
    /// injected artifacts from the clean cutouts, through the same code as `scorebatch evaluate`.
    /// </summary>
    internal static void PrintAuc(FileInfo summary, FileInfo labels, TextWriter output)
    {
        DetectionEvaluator evaluator;
        string column;
        try
        {
            column = DetectionEvaluator.PreferredColumn(CsvTable.Parse(File.ReadAllText(summary.FullName), summary.Name));
            evaluator = EvaluateCommand.Load(summary, labels, [column, .. DetectionEvaluator.BaselineColumns]);
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            throw new DemoException($"the outputs are in place but could not be evaluated: {e.Message}");
        }
        var metrics = evaluator.Evaluate();
        var all = metrics.Single(m => m.Column == column && m.Group == DetectionEvaluator.AllKinds);
        output.WriteLine(FormattableString.Invariant(
            $"demo: ROC AUC of {column}, {all.Positives} artifacts vs {all.Negatives} clean cutouts: {all.Auc:0.000} (TPR {all.TprAt5:0.00} at 5 % FPR)"));
        foreach (var baseline in metrics.Where(m => m.Group == DetectionEvaluator.AllKinds && m.Column != column))
            output.WriteLine(FormattableString.Invariant($"demo:   no-model baseline {baseline.Column}: ROC AUC {baseline.Auc:0.000}"));
        output.WriteLine($"demo: full table: scorebatch evaluate --summary {summary.FullName} --labels {labels.FullName} --roc roc.png");
    }

    private static async Task<JobStatus> WaitAsync(IStatusStore status, JobRequest job, TimeProvider time, CancellationToken ct)
    {
        string? last = null;
        while (true)
        {
            var s = await status.GetAsync(job.Output, ct).ConfigureAwait(false);
            if (s is { State: JobState.Succeeded or JobState.Failed or JobState.Cancelled }) return s;
            var line = s is null ? null : $"demo: {job.Id} {s.State.ToString().ToLowerInvariant()}"
                + (s.Progress is { } p ? $" {p.Done}/{p.Total} {p.Unit}" : "");
            if (line is not null && line != last) Console.WriteLine(line);
            last = line;
            await Task.Delay(TimeSpan.FromSeconds(1), time, ct).ConfigureAwait(false);
        }
    }
}
