using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using ScoreBatch.Storage.Abstractions;

namespace ScoreBatch.Worker.Cli;

/// <summary>
/// `scorebatch upload &lt;file or folder&gt; &lt;container/prefix&gt;`: copies local cutouts or a checkpoint into blob storage
/// (the local Azurite by default), keeping relative paths, so that a job can name them.
/// </summary>
internal static class UploadCommand
{
    public static Command Create()
    {
        var storage = new StorageCliOptions();
        var source = new Argument<string>("source") { Description = "A local file, or a folder whose files (searched recursively) are uploaded." };
        var destination = new Argument<string>("destination") { Description = "container/prefix: a folder's files go under it with their relative paths; a single file goes to container/prefix/<file name>, or exactly there with --as-name." };
        var asName = new Option<bool>("--as-name") { Description = "For a single file: the destination is the blob's full name, not a prefix." };
        var command = new Command("upload", "Upload local cutouts or a checkpoint to blob storage for jobs to read.");
        command.Arguments.Add(source);
        command.Arguments.Add(destination);
        command.Options.Add(asName);
        storage.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var from = parse.GetValue(source)!;
            var to = parse.GetValue(destination)!.TrimEnd('/');
            string[] files;
            string baseDir;
            if (Directory.Exists(from))
            {
                baseDir = Path.GetFullPath(from);
                files = Directory.EnumerateFiles(baseDir, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
            }
            else if (File.Exists(from))
            {
                baseDir = Path.GetDirectoryName(Path.GetFullPath(from))!;
                files = [Path.GetFullPath(from)];
            }
            else
            {
                await Console.Error.WriteLineAsync($"upload: '{from}' is neither a file nor a folder").ConfigureAwait(false);
                return 2;
            }
            if (files.Length == 0)
            {
                await Console.Error.WriteLineAsync($"upload: '{from}' holds no files").ConfigureAwait(false);
                return 2;
            }
            using var host = storage.BuildHost(parse);
            var store = host.Services.GetRequiredService<IArtifactStore>();
            long bytes = 0;
            try
            {
                for (var i = 0; i < files.Length; i++)
                {
                    var relative = Path.GetRelativePath(baseDir, files[i]).Replace(Path.DirectorySeparatorChar, '/');
                    var name = files.Length == 1 && parse.GetValue(asName) ? to : ArtifactPath.Combine(to, relative);
                    var content = await File.ReadAllBytesAsync(files[i], ct).ConfigureAwait(false);
                    await store.WriteAsync(name, BinaryData.FromBytes(content), overwrite: true, ct).ConfigureAwait(false);
                    bytes += content.Length;
                    if (files.Length <= 20 || (i + 1) % 100 == 0 || i + 1 == files.Length)
                        Console.WriteLine($"upload: {i + 1}/{files.Length} {name}");
                }
            }
            catch (InvalidArtifactPathException e)
            {
                await Console.Error.WriteLineAsync($"upload: {e.Message}").ConfigureAwait(false);
                return 2;
            }
            Console.WriteLine($"upload: {files.Length} file(s), {bytes / 1048576.0:F1} MiB under {to}");
            return 0;
        });
        return command;
    }
}
