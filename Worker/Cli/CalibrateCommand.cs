using System.CommandLine;
using System.Text.Json.Nodes;
using ScoreBatch.Jobs.Anomaly;
using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Jobs.Kinds.Calibrate;
using ScoreBatch.Jobs.Runtime;
using ScoreBatch.Jobs.Scoring;

namespace ScoreBatch.Worker.Cli;

/// <summary>
/// `scorebatch calibrate`: fits the anomaly calibration of a prior on clean reference cutouts by running the
/// calibrate job's handler (<see cref="CalibrateJobHandler"/>) on local files, and writes its calibration.json to
/// --out for `score --calibration`.
/// </summary>
public static class CalibrateCommand
{
    public static Command Create()
    {
        var model = new Option<FileInfo>("--model") { Description = "Checkpoint (.ckpt) or galaxygrad prior (.eqx) to calibrate.", Required = true };
        var input = new Option<FileSystemInfo>("--input") { Description = "Clean reference cutouts (a file or a folder searched recursively), like the ones you will score but without artifacts.", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "Where to write the calibration (a .json file).", Required = true };
        var noise = new Option<string>("--noise") { Description = "Pixel noise of the references: estimate, none, or a sigma (score jobs with this calibration use the same).", DefaultValueFactory = _ => "estimate" };
        var t = new Option<double>("--t") { Description = "Floor temperature of the scoring.", DefaultValueFactory = _ => new ScoringOptions().T };
        var fpr = new Option<double>("--fpr") { Description = "False-positive rate of the anomalous flag (0.0001 to 0.5).", DefaultValueFactory = _ => 0.01 };
        var noAugment = new Option<bool>("--no-augment") { Description = "Use the references as they are, without their 8 rotations and reflections." };
        var statistic = new Option<string>("--statistic") { Description = "Anomaly statistic: excess (one-sided, per feature; the default) or mahalanobis (full-covariance Gaussian density).", DefaultValueFactory = _ => AnomalyCalibration.Excess };
        statistic.AcceptOnlyFromAmong([.. AnomalyCalibration.StatisticNames]);
        var batch = new Option<int>("--batch") { Description = "Cutouts per forward pass.", DefaultValueFactory = _ => new ScoringOptions().BatchSize };
        var device = new Option<string>("--device") { Description = "auto, cpu or cuda.", DefaultValueFactory = _ => "auto" };
        var runtime = new Option<string>("--runtime") { Description = "Engine of the forward passes: auto (ONNX Runtime for fp32 mixer scoring on the CPU, libtorch otherwise), torch or onnx.", DefaultValueFactory = _ => ScoringRuntime.Auto };
        runtime.AcceptOnlyFromAmong([.. ScoringRuntime.Names]);
        device.AcceptOnlyFromAmong([.. TorchDevices.Names]);
        var command = new Command("calibrate", "Fit a prior's anomaly calibration on clean reference cutouts (for score --calibration).")
        {
            model, input, output, noise, t, fpr, statistic, noAugment, batch, device, runtime,
        };
        (Option Option, string Param)[] flags = [(noise, "noise"), (t, "t"), (fpr, "fpr"), (statistic, "statistic"), (batch, "batch"), (device, "device"), (runtime, "runtime")];
        command.SetAction((parse, ct) =>
        {
            var job = new LocalJob(JobKinds.Calibrate);
            return job.RunCommandAsync(() => RunAsync(parse, job, flags, parse.GetRequiredValue(model), parse.GetRequiredValue(input), parse.GetRequiredValue(output),
                parse.GetValue(noAugment), parse.GetValue(device)!, ct), FlagErrors.Score);
        });
        return command;
    }

    /// <summary>
    /// Runs the calibrate job's handler with --out's folder as a scratch output next to it, then moves its
    /// calibration.json to --out (any name), so the folder around --out (often the model's run) is never emptied.
    /// </summary>
    private static async Task<int> RunAsync(ParseResult parse, LocalJob job, (Option Option, string Param)[] flags, FileInfo model, FileSystemInfo input,
        FileInfo output, bool noAugment, string device, CancellationToken cancellationToken)
    {
        var folder = output.Directory ?? new DirectoryInfo(".");
        folder.Create();
        var scratch = Path.Combine(folder.FullName, $".calibrate-{Guid.NewGuid():N}");
        try
        {
            job.Input(input.FullName, "--input").Output(scratch).Model(model.FullName, "--model");
            job.ParamsFrom(parse, flags);
            if (noAugment) job.Param("augment", JsonValue.Create(false), "--no-augment");
            var (request, store) = job.Build();
            var handler = new CalibrateJobHandler();
            handler.Validate(request);
            if (!model.Exists) throw new ArgumentException($"--model: '{model.FullName}' does not exist");
            TorchDevices.UseAllCores();
            var code = await job.RunAsync(handler, request, store, device, cancellationToken).ConfigureAwait(false);
            if (code != 0) return code;
            File.Move(Path.Combine(scratch, CalibrateJobArgs.FileName), output.FullName, overwrite: true);
            Console.WriteLine($"calibrate: wrote {output.FullName}");
            return 0;
        }
        finally
        {
            if (Directory.Exists(scratch)) Directory.Delete(scratch, recursive: true);
        }
    }
}
