using System.CommandLine;
using System.Globalization;
using System.Text;
using ScoreBatch.Jobs.Evaluation;
using ScoreBatch.Jobs.Synthetic;
using ScoreBatch.Storage.Formats;

namespace ScoreBatch.Worker.Cli;

/// <summary>
/// `scorebatch synth`: writes synthetic Sersic galaxies as .npy (one [H x W] file per galaxy, or with --stack one
/// galaxies.npy [N x H x W]) and manifest.csv saying which index got which artifact; with artifacts also
/// labels.csv (id,label,kind) for `scorebatch evaluate`. Noise-free by default; --snr adds observation noise;
/// --pairs writes each galaxy clean and with an artifact.
/// </summary>
public static class SynthCommand
{
    /// <summary>Manifest columns, one row per image.</summary>
    public const string ManifestHeader = "index,file,galaxy_seed,sersic_n,r_e,axis_ratio,position_angle,artifact,artifact_seed,description,snr";

    /// <summary>The truth file written next to the images when artifacts are injected.</summary>
    public const string LabelsFile = "labels.csv";

    public static Command Create()
    {
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder to write the .npy files and manifest.csv into (created if missing).", Required = true };
        var count = new Option<int>("--count") { Description = "Number of galaxies (1 to 1,000,000).", DefaultValueFactory = _ => 100 };
        count.Validators.Add(r => { if (r.GetValueOrDefault<int>() is < 1 or > 1_000_000) r.AddError($"--count must be between 1 and 1000000, got {r.GetValueOrDefault<int>()}"); });
        var size = new Option<int>("--size") { Description = "Image side: 32 or 64 (the released prior sizes); any multiple of 4 from 8 to 256 works.", DefaultValueFactory = _ => 32 };
        size.Validators.Add(r => { int s = r.GetValueOrDefault<int>(); if (s < 8 || s > 256 || s % 4 != 0) r.AddError($"--size must be a multiple of 4 between 8 and 256, got {s}"); });
        var seed = new Option<int>("--seed") { Description = "Base seed; galaxy i is the same for any --count.", DefaultValueFactory = _ => 0 };
        var psf = new Option<string>("--psf") { Description = "PSF shape: gaussian, moffat or none.", DefaultValueFactory = _ => "gaussian" };
        psf.AcceptOnlyFromAmong("gaussian", "moffat", "none");
        var fwhm = new Option<double>("--psf-fwhm") { Description = "PSF full width at half maximum in pixels.", DefaultValueFactory = _ => 2.0 };
        var noise = new Option<double>("--noise") { Description = "Legacy: Gaussian noise sigma relative to the peak inside the footprint only (0 = clean). Prefer --snr.", DefaultValueFactory = _ => 0.0 };
        var snr = new Option<string?>("--snr") { Description = "Observe with background noise: peak S/N range MIN:MAX (e.g. 10:1000, drawn log-uniformly per image) or one value. Default: noise-free." };
        var gain = new Option<double>("--poisson-gain") { Description = "With --snr: source counts at the galaxy peak for a Poisson term (variance x/gain); 0 = none.", DefaultValueFactory = _ => 0.0 };
        var sky = new Option<double>("--sky") { Description = "With --snr: largest sky-subtraction residual (offset and gradient) in background sigmas; 0 = none.", DefaultValueFactory = _ => 0.0 };
        var artifacts = new Option<string>("--artifacts") { Description = "Artifact(s) to inject: ring, companion, hotpixel, streak or none; several comma-separated (each marked image gets one at random).", DefaultValueFactory = _ => "none" };
        artifacts.Validators.Add(r =>
        {
            try
            {
                ParseKinds(r.GetValueOrDefault<string>() ?? "none");
            }
            catch (ArgumentException e)
            {
                r.AddError($"--artifacts: {e.Message}");
            }
        });
        var fraction = new Option<double>("--artifact-fraction") { Description = "Share of images that get the artifact (0 to 1).", DefaultValueFactory = _ => 0.5 };
        var stack = new Option<bool>("--stack") { Description = "Write one stack galaxies.npy [N x H x W] instead of one file per galaxy." };
        var pairs = new Option<bool>("--pairs") { Description = "Write every galaxy twice: clean (clean/ or clean.npy) and with an artifact of --artifacts in turn (twins/ or twins.npy), sharing one noise realisation; --artifact-fraction is ignored." };

        var command = new Command("synth", "Make synthetic Sersic galaxies (optionally with artifacts) as .npy cutouts.")
        {
            output, count, size, seed, psf, fwhm, noise, snr, gain, sky, artifacts, fraction, stack, pairs,
        };
        command.SetAction((parse, ct) =>
        {
            var kind = parse.GetValue(psf) switch { "moffat" => PsfKind.Moffat, "none" => PsfKind.None, _ => PsfKind.Gaussian };
            ObservationNoise? observation = null;
            if (parse.GetValue(snr) is { } range)
            {
                try
                {
                    var (min, max) = ObservationNoise.ParseSnrRange(range);
                    observation = new ObservationNoise(min, max, parse.GetValue(gain), parse.GetValue(sky));
                }
                catch (ArgumentException e)
                {
                    Console.Error.WriteLine($"error: {e.Message}");
                    return Task.FromResult(2);
                }
            }
            else if (parse.GetValue(gain) != 0 || parse.GetValue(sky) != 0)
            {
                Console.Error.WriteLine("error: --poisson-gain and --sky need --snr (the background noise they are measured against)");
                return Task.FromResult(2);
            }
            var options = SersicGalaxyOptions.ForSize(parse.GetValue(size)) with
            {
                Psf = new PsfOptions(kind, parse.GetValue(fwhm)),
                NoiseSigma = parse.GetValue(noise),
                Noise = observation,
            };
            return Task.FromResult(Run(parse.GetRequiredValue(output), options, parse.GetValue(count), parse.GetValue(seed),
                ParseKinds(parse.GetValue(artifacts)!), parse.GetValue(fraction), parse.GetValue(stack), ct, parse.GetValue(pairs)));
        });
        return command;
    }

    /// <summary>"ring,companion" -> [Ring, Companion]; "none" (alone) -> []; errors name the unknown or misplaced name.</summary>
    internal static IReadOnlyList<ArtifactKind> ParseKinds(string text)
    {
        var names = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var name in names)
        {
            if (!ArtifactInjectors.Names.Contains(name, StringComparer.OrdinalIgnoreCase))
                throw new ArgumentException($"unknown artifact '{name}'; expected {string.Join(", ", ArtifactInjectors.Names)}");
        }
        var kinds = names.Select(ArtifactInjectors.Parse).ToList();
        if (kinds.Count == 0) throw new ArgumentException("name at least one artifact (or none)");
        if (kinds.Contains(ArtifactKind.None))
        {
            if (kinds.Count > 1) throw new ArgumentException($"'none' cannot be combined with other artifacts, got '{text}'");
            return [];
        }
        return kinds.Distinct().ToArray();
    }

    internal static int Run(DirectoryInfo output, SersicGalaxyOptions options, int count, int seed, IReadOnlyList<ArtifactKind> artifacts, double fraction,
        bool stack, CancellationToken cancellationToken, bool pairs = false)
    {
        if (pairs && artifacts.Count == 0)
        {
            Console.Error.WriteLine("error: --pairs needs --artifacts (the kinds of the twins, e.g. ring,companion)");
            return 2;
        }
        try
        {
            options.Validate();
        }
        catch (ArgumentOutOfRangeException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
        if (!(fraction >= 0 && fraction <= 1))
        {
            Console.Error.WriteLine($"error: --artifact-fraction must be between 0 and 1, got {fraction}");
            return 2;
        }
        Directory.CreateDirectory(output.FullName);
        int step = Math.Max(1, count / 10);
        var progress = new LineProgress(done =>
        {
            if (done % step == 0 || done == count) Console.Error.WriteLine($"synth: {done} of {count} galaxies");
        });
        var builder = new SyntheticDatasetBuilder(options);
        // Pairs: every galaxy clean and with an artifact (kinds in turn), observed through the same noise.
        var sets = pairs
            ? BuildPairs(builder, count, seed, artifacts, progress, cancellationToken)
            : [(Stack: "galaxies.npy", Folder: "", Data: builder.Build(count, seed, artifacts, artifacts.Count == 0 ? 0 : fraction, progress, cancellationToken))];

        var manifest = new StringBuilder(ManifestHeader).Append('\n');
        var labels = new List<DetectionLabel>();
        foreach (var (stackName, folder, data) in sets)
        {
            if (stack) WriteNpy(Path.Combine(output.FullName, stackName), data.Pixels, data.Shape);
            else if (folder.Length > 0) Directory.CreateDirectory(Path.Combine(output.FullName, folder));
            for (int i = 0; i < data.Count; i++)
            {
                string file = stack ? stackName : $"{folder}galaxy-{i:D6}.npy";
                if (!stack) WriteNpy(Path.Combine(output.FullName, file), data.Image(i), [data.Size, data.Size]);
                var e = data.Entries[i];
                // The S/N of the image (empty when noise-free): the first draw of its noise seed.
                string snr = options.Noise is { } n ? n.DrawSnr(SyntheticDatasetBuilder.NoiseSeed(seed, i)).ToString("R", CultureInfo.InvariantCulture) : "";
                manifest.Append(CultureInfo.InvariantCulture,
                    $"{i},{file},{e.GalaxySeed},{e.Shape.Index:R},{e.Shape.EffectiveRadius:R},{e.Shape.AxisRatio:R},{e.Shape.PositionAngle:R},{ArtifactInjectors.NameOf(e.Artifact)},{e.ArtifactSeed},\"{e.Description.Replace("\"", "\"\"", StringComparison.Ordinal)}\",{snr}\n");
                // The id `scorebatch score --input <out>` gives this image: the file, or plane i of the stack.
                labels.Add(new DetectionLabel(stack ? $"{file}#{i}" : file, e.Artifact != ArtifactKind.None,
                    e.Artifact == ArtifactKind.None ? LabelsCsv.CleanKind : ArtifactInjectors.NameOf(e.Artifact)));
            }
        }
        File.WriteAllText(Path.Combine(output.FullName, "manifest.csv"), manifest.ToString());
        if (artifacts.Count > 0) File.WriteAllText(Path.Combine(output.FullName, LabelsFile), LabelsCsv.Format(labels));
        int marked = labels.Count(l => l.Positive);
        string noiseNote = options.Noise is { } o ? $", peak S/N {o.MinSnr:G4} to {o.MaxSnr:G4}" : "";
        string kindsNote = string.Join(" or ", artifacts.Select(ArtifactInjectors.NameOf));
        Console.Error.WriteLine(artifacts.Count == 0
            ? $"synth: wrote {count} {options.Size}x{options.Size} galaxies{noiseNote} to {output.FullName}"
            : pairs
                ? $"synth: wrote {count} {options.Size}x{options.Size} clean galaxies and their twins with a {kindsNote}{noiseNote} and {LabelsFile} to {output.FullName}"
                : $"synth: wrote {count} {options.Size}x{options.Size} galaxies{noiseNote} ({marked} with a {kindsNote}) and {LabelsFile} to {output.FullName}");
        return 0;
    }

    private static (string Stack, string Folder, SyntheticDataset Data)[] BuildPairs(SyntheticDatasetBuilder builder, int count, int seed,
        IReadOnlyList<ArtifactKind> artifacts, IProgress<int> progress, CancellationToken cancellationToken)
    {
        var (clean, twins) = builder.BuildPairs(count, seed, artifacts, progress, cancellationToken);
        return [("clean.npy", "clean/", clean), ("twins.npy", "twins/", twins)];
    }

    private static void WriteNpy(string path, ReadOnlySpan<float> data, int[] shape)
    {
        using var stream = File.Create(path);
        Npy.Write(stream, data, shape);
    }

    /// <summary>Reports on the calling thread, in order (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class LineProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
