using System.CommandLine;
using System.Diagnostics;
using ScoreBatch.Jobs.Anomaly;
using ScoreBatch.Jobs.Interop;
using ScoreBatch.Jobs.Previews;
using ScoreBatch.Jobs.Runtime;
using ScoreBatch.Jobs.Scoring;
using ScoreBatch.Storage.Formats;

namespace ScoreBatch.Worker.Cli;

/// <summary>
/// `scorebatch score`: scores local cutout files with a checkpoint and writes &lt;out&gt;/scores/&lt;name&gt;.npy (the
/// input's shape), &lt;out&gt;/summary.csv and &lt;out&gt;/previews/*.png (the most anomalous cutouts and a histogram).
/// --out must be new or empty (--overwrite empties it first).
/// Small files are scored together (up to 8 batches of cutouts), so memory holds a few files (plus the K previewed
/// cutouts) whatever their number.
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
        var overwrite = new Option<bool>("--overwrite") { Description = "Empty a non-empty --out folder first (without it such a folder is refused, so old maps never mix with new ones)." };
        var device = new Option<string>("--device") { Description = "auto, cpu or cuda.", DefaultValueFactory = _ => "auto" };
        device.AcceptOnlyFromAmong([.. TorchDevices.Names]);
        var calibration = new Option<FileInfo?>("--calibration") { Description = "A calibration.json from `scorebatch calibrate` (same model): adds anomaly, p_value and anomalous columns and ranks previews by anomaly; its noise and t are used unless given." };

        var command = new Command("score", "Score cutouts with a trained prior: x-space score maps and a per-cutout summary.csv.")
        {
            model, input, output, t, noise, batch, threshold, logJacobian, previews, format, device, calibration, overwrite,
        };
        command.SetAction((parse, ct) =>
        {
            ScoringOptions options;
            try
            {
                options = new ScoringOptions
                {
                    T = parse.GetValue(t),
                    BatchSize = parse.GetValue(batch),
                    Threshold = parse.GetValue(threshold),
                    IncludeLogJacobian = parse.GetValue(logJacobian),
                }.WithNoise(parse.GetValue(noise)!, "--noise");
                if (parse.GetValue(calibration) is { } file)
                {
                    var loaded = AnomalyCalibration.Parse(File.ReadAllBytes(file.FullName), file.FullName);
                    options = options.WithCalibration(loaded, parse.GetResult(noise) is { Implicit: false }, parse.GetResult(t) is { Implicit: false }, "--calibration");
                }
            }
            catch (Exception e) when (e is InvalidDataException or IOException)
            {
                Console.Error.WriteLine($"score: {e.Message}");
                return Task.FromResult(2);
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine($"score: {e.Message}");
                return Task.FromResult(2);
            }
            return Task.FromResult(Run(parse.GetRequiredValue(model), parse.GetRequiredValue(input), parse.GetRequiredValue(output),
                options, parse.GetValue(device)!, Console.Error, ct, parse.GetValue(previews),
                parse.GetValue(format) == "fits" ? ScoreMapFormat.Fits : ScoreMapFormat.Npy, parse.GetValue(overwrite)));
        });
        return command;
    }

    internal static int Run(FileInfo model, FileSystemInfo input, DirectoryInfo output, ScoringOptions options, string device,
        TextWriter log, CancellationToken cancellationToken, int previewCount = 8, ScoreMapFormat mapFormat = ScoreMapFormat.Npy, bool overwrite = false)
    {
        try
        {
            options.Validate();
            var previews = new AnomalyPreviews(previewCount, AnomalyPreviews.RankingFor(options.Calibration is not null));
            var files = ListInputs(input, output);
            if (files.Count == 0)
            {
                log.WriteLine($"error: no cutout files ({string.Join(", ", CutoutReader.SupportedExtensions)}) at {input.FullName}");
                return 2;
            }
            var checkpoint = ModelInterchange.LoadModel(File.ReadAllBytes(model.FullName), model.FullName);
            using var prior = ScoringModel.FromCheckpoint(checkpoint, TorchDevices.Resolve(device));
            if (options.Calibration is { } cal && cal.ModelSha256 != prior.ModelSha256)
                throw new ArgumentException($"--calibration: was fitted with model '{cal.Model}', not {model.FullName}");
            // Only once the inputs and the model are known good: --overwrite never empties a folder for a run that cannot start.
            OutputFolder.Prepare(output.FullName, overwrite, ("--input", input.FullName), ("--model", model.FullName));
            var scorer = prior.CreateScorer(options);
            var maps = new ScoreMapWriter(mapFormat, new ScoreMapProvenance("cli", model.FullName, prior.Architecture, options.T, prior.Transform.Spec.ToString()));
            log.WriteLine($"score: {files.Count} files, model {prior.ImageSize}x{prior.ImageSize} ({prior.Transform.Spec}), t={options.T} on {prior.Device.type}");

            var rows = new List<ScoreSummary>();
            var clock = Stopwatch.StartNew();
            // Files are scored together up to Scorer.CutoutsPerPass cutouts, so that small files (one cutout each)
            // share batches and the scoring lanes stay busy; memory holds those files, whatever their number.
            int filesDone = 0;
            var pending = new List<(string Relative, IReadOnlyList<Cutout> Cutouts, int[] Shape)>();
            void ScorePending()
            {
                var scores = scorer.ScoreFiles([.. pending.Select(f => (f.Cutouts, f.Relative))], cancellationToken);
                for (int k = 0; k < pending.Count; k++)
                {
                    var (relative, fileCutouts, shape) = pending[k];
                    var mine = scores[k];
                    var target = Path.Combine(output.FullName, maps.RelativeOutputName(relative).Replace('/', Path.DirectorySeparatorChar));
                    Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                    File.WriteAllBytes(target, maps.ToBytes(relative, shape, fileCutouts, mine));
                    rows.AddRange(mine.Select(s => s.Summary));
                    for (int i = 0; i < mine.Length; i++) previews.Offer(fileCutouts[i], mine[i]);
                }
                filesDone += pending.Count;
                pending.Clear();
                log.WriteLine($"score: {rows.Count} cutouts scored ({filesDone} of {files.Count} files, {rows.Count / Math.Max(clock.Elapsed.TotalSeconds, 1e-3):F1} cutouts/s)");
            }
            int pendingCutouts = 0;
            foreach (var (path, relative) in files)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var cutouts = CutoutReader.Read(relative, File.ReadAllBytes(path));
                pending.Add((relative, cutouts, ScoreShards.OutputShape(relative, cutouts)));
                pendingCutouts += cutouts.Count;
                if (pendingCutouts < scorer.CutoutsPerPass) continue;
                ScorePending();
                pendingCutouts = 0;
            }
            if (pending.Count > 0) ScorePending();
            File.WriteAllBytes(Path.Combine(output.FullName, ScoreShards.SummaryFile), ScoreSummaryCsv.ToBytes(rows));
            log.WriteLine($"score: wrote {Path.Combine(output.FullName, ScoreShards.Folder)} and {ScoreShards.SummaryFile} ({rows.Count} rows)");
            foreach (var (relative, png) in previews.Render())
            {
                var target = Path.Combine(output.FullName, relative.Replace('/', Path.DirectorySeparatorChar));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.WriteAllBytes(target, png);
                log.WriteLine($"score: preview {target}");
            }
            return 0;
        }
        catch (Exception e) when (e is CutoutFormatException or CutoutScoringException or InvalidDataException or ArgumentException or IOException or DllNotFoundException)
        {
            log.WriteLine($"error: {FlagErrors.Describe(e, FlagErrors.Score)}");
            return 2;
        }
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
