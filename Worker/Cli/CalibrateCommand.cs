using System.CommandLine;
using ScoreBatch.Jobs.Interop;
using ScoreBatch.Jobs.Runtime;
using ScoreBatch.Jobs.Scoring;
using ScoreBatch.Storage.Formats;

namespace ScoreBatch.Worker.Cli;

/// <summary>
/// `scorebatch calibrate`: fits the anomaly calibration of a prior on clean reference cutouts (the calibrate job's
/// <see cref="ReferenceCalibration"/>, over local files) and writes calibration.json for `score --calibration`.
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
        var batch = new Option<int>("--batch") { Description = "Cutouts per forward pass.", DefaultValueFactory = _ => new ScoringOptions().BatchSize };
        var device = new Option<string>("--device") { Description = "auto, cpu or cuda.", DefaultValueFactory = _ => "auto" };
        device.AcceptOnlyFromAmong([.. TorchDevices.Names]);
        var command = new Command("calibrate", "Fit a prior's anomaly calibration on clean reference cutouts (for score --calibration).")
        {
            model, input, output, noise, t, fpr, noAugment, batch, device,
        };
        command.SetAction((parse, ct) => Task.FromResult(Run(parse.GetRequiredValue(model), parse.GetRequiredValue(input), parse.GetRequiredValue(output),
            parse.GetValue(noise)!, parse.GetValue(t), parse.GetValue(fpr), !parse.GetValue(noAugment), parse.GetValue(batch), parse.GetValue(device)!, Console.Error, ct)));
        return command;
    }

    internal static int Run(FileInfo model, FileSystemInfo input, FileInfo output, string noise, double t, double fpr, bool augment, int batch, string device,
        TextWriter log, CancellationToken cancellationToken)
    {
        try
        {
            if (!(fpr >= 1e-4 && fpr <= 0.5)) throw new ArgumentException($"--fpr: must be between 0.0001 and 0.5, got {fpr}");
            var settings = new CalibrationSettings
            {
                Scoring = new ScoringOptions { T = t, BatchSize = batch }.WithNoise(noise, "--noise").Validate(),
                FalsePositiveRate = fpr,
                Augment = augment,
            };
            var files = ScoreCommand.ListInputs(input, output.Directory ?? new DirectoryInfo("."));
            if (files.Count == 0) throw new IOException($"--input: no cutout files ({string.Join(", ", CutoutReader.SupportedExtensions)}) at {input.FullName}");
            var references = files.SelectMany(f => CutoutReader.Read(f.Relative, File.ReadAllBytes(f.Path))).ToList();
            var checkpoint = ModelInterchange.LoadModel(File.ReadAllBytes(model.FullName), model.FullName);
            using var prior = ScoringModel.FromCheckpoint(checkpoint, TorchDevices.Resolve(device));
            log.WriteLine($"calibrate: {references.Count} clean references from {files.Count} files{(augment ? " x 8 orientations" : "")}, noise {settings.Scoring.NoiseText}, model {model.Name}");
            var progress = new Progress<(int Done, int Total)>(p => log.WriteLine($"calibrate: scored {p.Done} of {p.Total}"));
            var calibration = ReferenceCalibration.Run(prior, references, settings, model.Name, progress, cancellationToken);
            output.Directory?.Create();
            File.WriteAllBytes(output.FullName, calibration.ToJson());
            log.WriteLine($"calibrate: wrote {output.FullName}: {calibration.Features.Count} features, threshold {calibration.Threshold:G4} at false-positive rate {fpr}");
            return 0;
        }
        catch (Exception e) when (e is CutoutFormatException or CutoutScoringException or InvalidDataException or ArgumentException or IOException or DllNotFoundException)
        {
            log.WriteLine($"error: {e.Message}");
            return 2;
        }
    }
}
