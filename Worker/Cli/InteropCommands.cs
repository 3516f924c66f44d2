using System.CommandLine;
using System.Globalization;
using ScoreBatch.Jobs.Interop;
using ScoreBatch.Jobs.Training;
using ScoreBatch.Storage.Formats;

namespace ScoreBatch.Worker.Cli;

/// <summary>
/// Weight interchange verbs: <c>import-eqx</c> turns a galaxygrad/equinox prior into a normal checkpoint, and
/// <c>export</c> writes a checkpoint as .eqx (mixer) or a PyTorch state dict.
/// </summary>
public static class InteropCommands
{
    /// <summary>Adds both verbs to <paramref name="root"/>.</summary>
    public static void AddTo(RootCommand root)
    {
        root.Subcommands.Add(ImportEqx());
        root.Subcommands.Add(Export());
    }

    private static Command ImportEqx()
    {
        var file = new Argument<FileInfo>("file") { Description = "galaxygrad/equinox .eqx weight file (55 leaves for the released priors)" };
        var size = new Option<int>("--size") { Description = "image side N the prior was trained for (32 or 64 for the released priors)", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "checkpoint file to write", Required = true };
        var command = new Command("import-eqx", "Import a galaxygrad/equinox prior as a ScoreBatch checkpoint (mixer, VP, log1p transform).")
        {
            file, size, output,
        };
        command.SetAction(parse => Run(parse, () =>
        {
            var source = parse.GetValue(file)!;
            var target = parse.GetValue(output)!;
            var checkpoint = ModelInterchange.ImportEqx(File.ReadAllBytes(source.FullName), source.Name, parse.GetValue(size));
            Write(target, checkpoint.Save);
            var h = checkpoint.Header;
            parse.InvocationConfiguration.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"imported {source.Name}: {h.Architecture} {h.Model.ImageSize}x{h.Model.ImageSize}, {h.Model.Blocks} blocks, {h.ParameterCount:N0} parameters, process {h.ProcessOrDefault}, transform {h.Transform} -> {target.FullName}"));
        }));
        return command;
    }

    private static Command Export()
    {
        var file = new Argument<FileInfo>("checkpoint") { Description = "ScoreBatch checkpoint (.ckpt)" };
        var format = new Option<string>("--format") { Description = "eqx (galaxygrad/scarlet2 layout, mixer only), pytorch (torch.load state dict) or onnx (the forward pass, mixer only: inputs y [N x 1 x H x W] and c = t/T [N], output score)", Required = true };
        format.AcceptOnlyFromAmong("eqx", "pytorch", "onnx");
        var output = new Option<FileInfo>("--out") { Description = "file to write", Required = true };
        var command = new Command("export", "Export a checkpoint's model as .eqx, as a PyTorch state dict or as ONNX.")
        {
            file, format, output,
        };
        command.SetAction(parse => Run(parse, () =>
        {
            var source = parse.GetValue(file)!;
            var target = parse.GetValue(output)!;
            var kind = ModelInterchange.ParseFormat(parse.GetValue(format)!);
            var checkpoint = Checkpoint.Load(source.FullName);
            Write(target, stream => ModelInterchange.Export(checkpoint, kind, stream));
            parse.InvocationConfiguration.Output.WriteLine(
                $"exported {source.Name} ({checkpoint.Header.Architecture}, step {checkpoint.Header.Step}) as {kind.ToString().ToLowerInvariant()} -> {target.FullName}");
        }));
        return command;
    }

    /// <summary>Writes through a temporary file and renames, so that a failed export leaves no half-written file.</summary>
    private static void Write(FileInfo target, Action<Stream> write)
    {
        if (target.DirectoryName is { } dir) Directory.CreateDirectory(dir);
        var temp = target.FullName + ".partial";
        try
        {
            using (var stream = File.Create(temp)) write(stream);
            File.Move(temp, target.FullName, overwrite: true);
        }
        finally
        {
            File.Delete(temp); // no-op after the rename
        }
    }

    /// <summary>Runs a verb; expected failures (bad file, wrong size, unreadable checkpoint) print one line and exit 1.</summary>
    private static int Run(ParseResult parse, Action action)
    {
        try
        {
            action();
            return 0;
        }
        catch (Exception e) when (e is InvalidDataException or CutoutFormatException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            parse.InvocationConfiguration.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }
}
