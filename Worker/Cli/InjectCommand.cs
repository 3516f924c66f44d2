using System.CommandLine;
using System.Text;
using ScoreBatch.Jobs.Evaluation;
using ScoreBatch.Jobs.Synthetic;
using ScoreBatch.Storage.Formats;

namespace ScoreBatch.Worker.Cli;

/// <summary>
/// `scorebatch inject --input DIR --out DIR`: for every cutout of a folder of real cutouts (npy, npz, FITS), writes a
/// clean copy &lt;out&gt;/clean/&lt;name&gt;.npy and one copy per artifact kind &lt;out&gt;/&lt;kind&gt;/&lt;name&gt;.npy with the
/// product's injector (seeded), plus &lt;out&gt;/labels.csv, so `score --input &lt;out&gt;` then `evaluate` measure a
/// detector on the user's own galaxies.
/// </summary>
public static class InjectCommand
{
    public static Command Create()
    {
        var input = new Option<FileSystemInfo>("--input") { Description = "A cutout file or a folder searched recursively (.npy, .npz, .fits, .fit, .fits.fz); square cutouts centred on their galaxy.", Required = true };
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder for clean/, one folder per artifact kind and labels.csv (created if missing).", Required = true };
        var artifacts = new Option<string>("--artifacts") { Description = "Comma-separated artifact kinds: ring, companion, hotpixel, streak.", DefaultValueFactory = _ => "ring,companion" };
        var seed = new Option<int>("--seed") { Description = "Base seed: cutout i's artifact of each kind is the same for any number of cutouts.", DefaultValueFactory = _ => 0 };
        var fwhm = new Option<double>("--psf-fwhm") { Description = "FWHM in pixels of the Gaussian PSF the companion is convolved with (match your images).", DefaultValueFactory = _ => 2.0 };
        var command = new Command("inject", "Write clean copies of real cutouts and copies with injected artifacts, with labels.csv for `evaluate`.")
        {
            input, output, artifacts, seed, fwhm,
        };
        command.SetAction(parse =>
        {
            IReadOnlyList<ArtifactKind> kinds;
            try
            {
                kinds = SynthCommand.ParseKinds(parse.GetValue(artifacts)!);
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine($"error: --artifacts: {e.Message}");
                return 2;
            }
            return Run(parse.GetRequiredValue(input), parse.GetRequiredValue(output), kinds, parse.GetValue(seed), parse.GetValue(fwhm), Console.Error);
        });
        return command;
    }

    /// <summary>The seed of cutout <paramref name="index"/>'s artifact of <paramref name="kind"/>.</summary>
    internal static int ArtifactSeed(int seed, int index, ArtifactKind kind) =>
        SeedSequence.Derive(SeedSequence.Derive(seed, index, SeedSequence.ArtifactStream), (long)kind, SeedSequence.ArtifactStream);

    internal static int Run(FileSystemInfo input, DirectoryInfo output, IReadOnlyList<ArtifactKind> kinds, int seed, double psfFwhm, TextWriter log)
    {
        if (kinds.Count == 0)
        {
            log.WriteLine("error: --artifacts: name at least one artifact kind to inject");
            return 2;
        }
        try
        {
            var files = ScoreCommand.ListInputs(input, output);
            if (files.Count == 0)
            {
                log.WriteLine($"error: no cutout files ({string.Join(", ", CutoutReader.SupportedExtensions)}) at {input.FullName}");
                return 2;
            }
            var injectors = new Dictionary<int, IArtifactInjector[]>(); // per cutout size: the companion uses a generator of that size
            var labels = new List<DetectionLabel>();
            var sources = new List<string>();
            var descriptions = new List<string>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            int index = 0;
            foreach (var (path, relative) in files)
            {
                foreach (var cutout in CutoutReader.Read(relative, File.ReadAllBytes(path)))
                {
                    if (!injectors.TryGetValue(cutout.Width, out var forSize))
                    {
                        var generator = new SersicGalaxyGenerator(SersicGalaxyOptions.ForSize(cutout.Width) with { Psf = new PsfOptions(PsfKind.Gaussian, psfFwhm) });
                        injectors[cutout.Width] = forSize = [.. kinds.Select(k => ArtifactInjectors.Create(k, generator))];
                    }
                    string name = UniqueName(cutout.Id, relative, names);
                    var injected = forSize.Select(inj => CutoutInjection.Inject(inj, cutout.Id, cutout.Pixels, cutout.Height, cutout.Width, ArtifactSeed(seed, index, inj.Kind))).ToArray();
                    Write(output, "clean", name, cutout.Pixels, cutout.Height);
                    labels.Add(new DetectionLabel($"clean/{name}", false, LabelsCsv.CleanKind));
                    sources.Add(cutout.Id);
                    descriptions.Add("");
                    foreach (var a in injected)
                    {
                        string kind = ArtifactInjectors.NameOf(a.Kind);
                        Write(output, kind, name, a.Pixels, cutout.Height);
                        labels.Add(new DetectionLabel($"{kind}/{name}", true, kind));
                        sources.Add(cutout.Id);
                        descriptions.Add(a.Description);
                    }
                    index++;
                }
            }
            File.WriteAllText(Path.Combine(output.FullName, SynthCommand.LabelsFile),
                LabelsCsv.Format(labels, [("source", sources), ("description", descriptions)]), new UTF8Encoding(false));
            log.WriteLine($"inject: {index} cutouts from {files.Count} files -> clean/, {string.Join("/, ", kinds.Select(ArtifactInjectors.NameOf))}/ "
                + $"({labels.Count} files) and {SynthCommand.LabelsFile} in {output.FullName}");
            return 0;
        }
        catch (Exception e) when (e is CutoutFormatException or ArgumentException or IOException or InvalidDataException)
        {
            log.WriteLine($"error: {e.Message}");
            return 2;
        }
    }

    /// <summary>
    /// "sub/a.npy#3" -> "sub_a_3.npy", "b.fits[SCI]" -> "b_SCI.npy": the id without its file's extension, other
    /// characters than letters, digits, '.', '-' and '_' as '_'; "-2", "-3" ... appended when two ids collide.
    /// </summary>
    internal static string UniqueName(string id, string relative, HashSet<string> taken)
    {
        string ext = CutoutReader.SupportedExtensions.Where(e => relative.EndsWith(e, StringComparison.OrdinalIgnoreCase)).MaxBy(e => e.Length) ?? "";
        string stem = id.StartsWith(relative, StringComparison.Ordinal) ? relative[..^ext.Length] + id[relative.Length..] : id;
        var safe = new string(stem.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_').ToArray()).Trim('_');
        if (safe.Length == 0) safe = "cutout";
        string name = safe + ".npy";
        for (int n = 2; !taken.Add(name); n++) name = $"{safe}-{n}.npy";
        return name;
    }

    private static void Write(DirectoryInfo output, string folder, string name, float[] pixels, int size)
    {
        var dir = Directory.CreateDirectory(Path.Combine(output.FullName, folder));
        using var stream = File.Create(Path.Combine(dir.FullName, name));
        Npy.Write(stream, pixels, [size, size]);
    }
}
