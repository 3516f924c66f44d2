using System.CommandLine;
using System.Globalization;
using System.Text;
using ScoreBatch.Jobs.Synthetic;
using ScoreBatch.Storage.Formats;

namespace ScoreBatch.Worker.Cli;

/// <summary>
/// `scorebatch synth`: writes synthetic Sersic galaxies as .npy (one [H x W] file per galaxy, or with --stack one
/// galaxies.npy [N x H x W]) and manifest.csv saying which index got which artifact.
/// </summary>
public static class SynthCommand
{
    /// <summary>Manifest columns, one row per image.</summary>
    public const string ManifestHeader = "index,file,galaxy_seed,sersic_n,r_e,axis_ratio,position_angle,artifact,artifact_seed,description";

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
        var noise = new Option<double>("--noise") { Description = "Gaussian noise sigma relative to the peak (0 = clean).", DefaultValueFactory = _ => 0.0 };
        var artifacts = new Option<string>("--artifacts") { Description = "Artifact to inject: ring, companion, hotpixel, streak or none.", DefaultValueFactory = _ => "none" };
        artifacts.AcceptOnlyFromAmong([.. ArtifactInjectors.Names]);
        var fraction = new Option<double>("--artifact-fraction") { Description = "Share of images that get the artifact (0 to 1).", DefaultValueFactory = _ => 0.5 };
        var stack = new Option<bool>("--stack") { Description = "Write one stack galaxies.npy [N x H x W] instead of one file per galaxy." };

        var command = new Command("synth", "Make synthetic Sersic galaxies (optionally with artifacts) as .npy cutouts.")
        {
            output, count, size, seed, psf, fwhm, noise, artifacts, fraction, stack,
        };
        command.SetAction((parse, ct) =>
        {
            var kind = parse.GetValue(psf) switch { "moffat" => PsfKind.Moffat, "none" => PsfKind.None, _ => PsfKind.Gaussian };
            var options = SersicGalaxyOptions.ForSize(parse.GetValue(size)) with
            {
                Psf = new PsfOptions(kind, parse.GetValue(fwhm)),
                NoiseSigma = parse.GetValue(noise),
            };
            return Task.FromResult(Run(parse.GetRequiredValue(output), options, parse.GetValue(count), parse.GetValue(seed),
                ArtifactInjectors.Parse(parse.GetValue(artifacts)!), parse.GetValue(fraction), parse.GetValue(stack), ct));
        });
        return command;
    }

    internal static int Run(DirectoryInfo output, SersicGalaxyOptions options, int count, int seed, ArtifactKind artifact, double fraction,
        bool stack, CancellationToken cancellationToken)
    {
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
        var data = new SyntheticDatasetBuilder(options).Build(count, seed, artifact, artifact == ArtifactKind.None ? 0 : fraction,
            progress, cancellationToken);

        var manifest = new StringBuilder(ManifestHeader).Append('\n');
        if (stack) WriteNpy(Path.Combine(output.FullName, "galaxies.npy"), data.Pixels, data.Shape);
        for (int i = 0; i < data.Count; i++)
        {
            string file = stack ? "galaxies.npy" : $"galaxy-{i:D6}.npy";
            if (!stack) WriteNpy(Path.Combine(output.FullName, file), data.Image(i), [data.Size, data.Size]);
            var e = data.Entries[i];
            manifest.Append(CultureInfo.InvariantCulture,
                $"{i},{file},{e.GalaxySeed},{e.Shape.Index:R},{e.Shape.EffectiveRadius:R},{e.Shape.AxisRatio:R},{e.Shape.PositionAngle:R},{ArtifactInjectors.NameOf(e.Artifact)},{e.ArtifactSeed},\"{e.Description.Replace("\"", "\"\"", StringComparison.Ordinal)}\"\n");
        }
        File.WriteAllText(Path.Combine(output.FullName, "manifest.csv"), manifest.ToString());
        int marked = data.Entries.Count(e => e.Artifact != ArtifactKind.None);
        Console.Error.WriteLine(artifact == ArtifactKind.None
            ? $"synth: wrote {count} {options.Size}x{options.Size} galaxies to {output.FullName}"
            : $"synth: wrote {count} {options.Size}x{options.Size} galaxies ({marked} with a {ArtifactInjectors.NameOf(artifact)}) to {output.FullName}");
        return 0;
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
