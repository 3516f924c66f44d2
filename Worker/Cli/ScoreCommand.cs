using System.CommandLine;
using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Jobs.Kinds.Score;
using ScoreBatch.Jobs.Runtime;
using ScoreBatch.Jobs.Scoring;
using ScoreBatch.Storage.Formats;

namespace ScoreBatch.Worker.Cli;

/// <summary>
/// `scorebatch score`: runs the score job's handler (<see cref="ScoreJobHandler"/>, the queue's own) on local folders
/// (<see cref="LocalJob"/>): &lt;out&gt;/scores/&lt;name&gt;.npy (the input's shape), &lt;out&gt;/summary.csv and
/// &lt;out&gt;/previews/*.png (the most anomalous cutouts and a histogram), byte for byte what a score job writes.
/// --out must be new or empty (--overwrite empties it first).
/// </summary>
public static class ScoreCommand
{
    public static Command Create()
    {
        var model = new Option<FileInfo>("--model") { Description = "Checkpoint (.ckpt) written by `scorebatch train`, or a galaxygrad/equinox prior (.eqx).", Required = true };
        var input = new Option<FileSystemInfo>("--input") { Description = "A cutout file (.npy, .npz, .fits, .fit, .fits.fz; an image [H x W] or a stack [N x H x W]) or a folder searched recursively.", Required = true };
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder for scores/ and summary.csv (created if missing).", Required = true };
        var t = new Option<double>("--t") { Description = $"Diffusion time of a noise-free evaluation, and the floor of the noise-matched one (from {ScoringOptions.MinT} to the prior's T).", DefaultValueFactory = _ => new ScoringOptions().T };
        var noise = new Option<string>("--noise") { Description = "Pixel noise of the inputs: estimate (from each cutout's background), none (noise-free models), or a sigma in the cutouts' units; the score is taken at the temperature that matches it.", DefaultValueFactory = _ => "estimate" };
        var batch = new Option<int>("--batch") { Description = "Cutouts per forward pass.", DefaultValueFactory = _ => new ScoringOptions().BatchSize };
        var threshold = new Option<double>("--threshold") { Description = "|score| above which a pixel counts in frac_above.", DefaultValueFactory = _ => new ScoringOptions().Threshold };
        var logJacobian = new Option<bool>("--log-jacobian") { Description = "Add the transform's log-Jacobian term (-1/(1+x) for log1p) that the original priors leave out." };
        var previews = new Option<int>("--previews") { Description = "How many of the most anomalous cutouts (by max_abs_score) get a PNG preview (0 to 100).", DefaultValueFactory = _ => 8 };
        var format = new Option<string>("--format") { Description = "Score map files: npy (float32) or fits (float32 with a provenance header).", DefaultValueFactory = _ => "npy" };
        format.AcceptOnlyFromAmong("npy", "fits");
        var precision = new Option<string>("--precision") { Description = "fp32, or bf16: the mixer's matrix products in bfloat16 (faster on CPUs with AVX512_BF16 or AMX; maps within 1 % of fp32).", DefaultValueFactory = _ => "fp32" };
        precision.AcceptOnlyFromAmong([.. ScoreJobArgs.PrecisionNames]);
        var runtime = new Option<string>("--runtime") { Description = "Engine of the forward passes: auto (ONNX Runtime for fp32 mixer scoring on the CPU, libtorch otherwise), torch or onnx.", DefaultValueFactory = _ => ScoringRuntime.Auto };
        runtime.AcceptOnlyFromAmong([.. ScoringRuntime.Names]);
        var overwrite = new Option<bool>("--overwrite") { Description = "Empty a non-empty --out folder first (without it such a folder is refused, so old maps never mix with new ones)." };
        var device = new Option<string>("--device") { Description = "auto, cpu or cuda.", DefaultValueFactory = _ => "auto" };
        device.AcceptOnlyFromAmong([.. TorchDevices.Names]);
        var calibration = new Option<FileInfo?>("--calibration") { Description = "A calibration.json from `scorebatch calibrate` (same model): adds anomaly, p_value and anomalous columns and ranks previews by anomaly; its noise and t are used unless given." };

        var command = new Command("score", "Score cutouts with a trained prior: x-space score maps and a per-cutout summary.csv.")
        {
            model, input, output, t, noise, batch, threshold, logJacobian, previews, format, precision, runtime, device, calibration, overwrite,
        };
        (Option Option, string Param)[] flags =
        [
            (t, "t"), (noise, "noise"), (batch, "batch"), (threshold, "threshold"), (logJacobian, "log_jacobian"),
            (previews, "previews"), (format, "format"), (precision, "precision"), (runtime, "runtime"), (device, "device"),
        ];
        command.SetAction((parse, ct) =>
        {
            var job = new LocalJob(JobKinds.Score);
            return job.RunCommandAsync(() => RunAsync(parse, job, flags, parse.GetRequiredValue(model), parse.GetRequiredValue(input), parse.GetRequiredValue(output),
                parse.GetValue(calibration), parse.GetValue(overwrite), parse.GetValue(device)!, ct), FlagErrors.Score);
        });
        return command;
    }

    /// <summary>Builds the score job from the flags given and runs the queue's handler on the local folders.</summary>
    private static async Task<int> RunAsync(ParseResult parse, LocalJob job, (Option Option, string Param)[] flags, FileInfo model, FileSystemInfo input,
        DirectoryInfo output, FileInfo? calibration, bool overwrite, string device, CancellationToken cancellationToken)
    {
        job.Input(input.FullName, "--input").Output(output.FullName).Model(model.FullName, "--model");
        if (calibration is not null) job.FileParam("calibration", calibration.FullName, "--calibration");
        job.ParamsFrom(parse, flags);
        var (request, store) = job.Build();
        var handler = new ScoreJobHandler();
        handler.Validate(request);
        if (!model.Exists) throw new ArgumentException($"--model: '{model.FullName}' does not exist");
        if (calibration is { Exists: false }) throw new ArgumentException($"--calibration: '{calibration.FullName}' does not exist");
        // Only once the request is known good: --overwrite never empties a folder for a run that cannot start.
        OutputFolder.Prepare(output.FullName, overwrite, ("--input", input.FullName), ("--model", model.FullName), ("--calibration", calibration?.FullName));
        TorchDevices.UseAllCores();
        var code = await job.RunAsync(handler, request, store, device, cancellationToken).ConfigureAwait(false);
        if (code == 0)
            Console.WriteLine($"score: wrote {Path.Combine(output.FullName, ScoreShards.Folder)}, {Path.Combine(output.FullName, ScoreShards.SummaryFile)} and {Path.Combine(output.FullName, "previews")}");
        return code;
    }

    /// <summary>(full path, name relative to the input folder with '/' separators), ordinal by name; files under the output folder are skipped.</summary>
    internal static List<(string Path, string Relative)> ListInputs(FileSystemInfo input, DirectoryInfo output)
    {
        if (input is FileInfo { Exists: true } file)
            return [(file.FullName, file.Name)];
        if (input is not DirectoryInfo dir && !Directory.Exists(input.FullName))
            throw new IOException($"--input '{input.FullName}' does not exist");
        var root = input.FullName;
        var outRoot = output.FullName.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        return Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(p => CutoutReader.IsSupported(p) && !p.StartsWith(outRoot, StringComparison.Ordinal))
            .Select(p => (p, Path.GetRelativePath(root, p).Replace(Path.DirectorySeparatorChar, '/')))
            .OrderBy(x => x.Item2, StringComparer.Ordinal)
            .ToList();
    }
}
