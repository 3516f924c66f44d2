using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Jobs.Runtime;
using ScoreBatch.Storage.Formats;

namespace ScoreBatch.Worker.Cli;

/// <summary>
/// What `scorebatch sample`, `likelihood` and `clean` share: each builds its job from the flags given (a flag left out
/// leaves the job's default), runs the queue's own handler on local folders (<see cref="LocalJob"/>) and reports
/// errors with the flag or path the user gave (exit 2).
/// </summary>
internal static class PriorJobCommand
{
    /// <summary>The common options: --model, --out, --device, --overwrite.</summary>
    public sealed record Common(Option<FileInfo> Model, Option<DirectoryInfo> Output, Option<string> Device, Option<bool> Overwrite);

    public static Common CommonOptions(string outputDescription)
    {
        var device = new Option<string>("--device") { Description = "auto, cpu or cuda.", DefaultValueFactory = _ => "auto" };
        device.AcceptOnlyFromAmong([.. TorchDevices.Names]);
        return new Common(
            new Option<FileInfo>("--model") { Description = "Checkpoint (.ckpt) written by `scorebatch train`, or a galaxygrad/equinox prior (.eqx).", Required = true },
            new Option<DirectoryInfo>("--out") { Description = outputDescription, Required = true },
            device,
            new Option<bool>("--overwrite") { Description = "Empty a non-empty --out folder first (without it such a folder is refused)." });
    }

    /// <summary>
    /// Runs <paramref name="handler"/> for the job the flags describe; <paramref name="input"/> may be null (sample's
    /// training data are optional). <paramref name="flags"/> pairs each option with its param; a string flag whose
    /// text is a number is sent as a number (--noise 0.02).
    /// </summary>
    public static async Task<int> RunAsync(string kind, IJobHandler handler, ParseResult parse, Common common, FileSystemInfo? input,
        (Option Option, string Param)[] flags, Func<string, string> wrote, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(common);
        var job = new LocalJob(kind);
        try
        {
            var model = parse.GetRequiredValue(common.Model);
            var output = parse.GetRequiredValue(common.Output);
            if (input is not null) job.Input(input.FullName, "--input");
            job.Output(output.FullName).Model(model.FullName, "--model");
            foreach (var (option, param) in flags)
            {
                if (parse.GetResult(option) is not { Implicit: false }) continue;
                job.Param(param, option switch
                {
                    Option<double> d => JsonValue.Create(parse.GetValue(d)),
                    Option<int> i => JsonValue.Create(parse.GetValue(i)),
                    Option<long> l => JsonValue.Create(parse.GetValue(l)),
                    Option<bool> b => JsonValue.Create(parse.GetValue(b)),
                    Option<string> text => double.TryParse(parse.GetValue(text), NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
                        ? JsonValue.Create(number)
                        : JsonValue.Create(parse.GetValue(text)),
                    _ => throw new InvalidOperationException($"{option.Name}: no JSON form"),
                }, option.Name);
            }
            var (request, store) = job.Build();
            handler.Validate(request, JobParamLimits.None);
            if (!model.Exists) throw new ArgumentException($"--model: '{model.FullName}' does not exist");
            // Only once the request is known good: --overwrite never empties a folder for a run that cannot start.
            OutputFolder.Prepare(output.FullName, parse.GetValue(common.Overwrite), ("--input", input?.FullName), ("--model", model.FullName));
            TorchDevices.UseAllCores();
            var code = await job.RunAsync(handler, request, store, parse.GetValue(common.Device)!, cancellationToken).ConfigureAwait(false);
            if (code == 0) Console.WriteLine($"{kind}: wrote {wrote(output.FullName)}");
            return code;
        }
        catch (JobValidationException e)
        {
            await Console.Error.WriteLineAsync($"{kind}: {job.Describe(e)}").ConfigureAwait(false);
            return 2;
        }
        catch (Exception e) when (e is CutoutFormatException or InvalidDataException or ArgumentException or IOException or DllNotFoundException)
        {
            await Console.Error.WriteLineAsync($"{kind}: {job.Describe(e.Message)}").ConfigureAwait(false);
            return 2;
        }
    }
}
