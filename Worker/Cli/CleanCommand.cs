using System.CommandLine;
using ScoreBatch.Jobs.Cleaning;
using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Jobs.Kinds.Clean;

namespace ScoreBatch.Worker.Cli;

/// <summary>
/// `scorebatch clean`: runs the clean job's handler (<see cref="CleanJobHandler"/>) on local folders: &lt;out&gt;/cleaned/,
/// removed/, frames/*.gif and *.png, clean.csv.
/// </summary>
public static class CleanCommand
{
    public static Command Create()
    {
        var common = PriorJobCommand.CommonOptions("Folder for cleaned/, removed/, frames/ and clean.csv (created if missing).");
        var input = new Option<FileSystemInfo>("--input") { Description = "A cutout file or a folder searched recursively; cutouts must have the model's size.", Required = true };
        var d = new CleanOptions();
        var weight = new Option<double>("--weight") { Description = "Weight of -log p against the data term (larger removes more).", DefaultValueFactory = _ => d.Weight };
        var steps = new Option<int>("--steps") { Description = "Gradient steps.", DefaultValueFactory = _ => d.Steps };
        var tHigh = new Option<double>("--t-high") { Description = "First (highest) temperature.", DefaultValueFactory = _ => d.THigh };
        var tLow = new Option<double>("--t-low") { Description = "Last (lowest) temperature.", DefaultValueFactory = _ => d.TLow };
        var schedule = new Option<string>("--schedule") { Description = "geometric or linear fall of t.", DefaultValueFactory = _ => "geometric" };
        schedule.AcceptOnlyFromAmong([.. CleanOptions.ScheduleNames]);
        var step = new Option<double>("--step") { Description = "Step scale in (0, 1]: 1 is a full denoising jump per step.", DefaultValueFactory = _ => d.StepScale };
        var noise = new Option<string>("--noise") { Description = "Pixel noise of the data term: estimate (each cutout's background) or a sigma in the cutouts' units.", DefaultValueFactory = _ => "estimate" };
        var minNoise = new Option<double>("--min-noise") { Description = "Floor of the noise sigma (noise-free cutouts would otherwise keep every pixel).", DefaultValueFactory = _ => d.MinNoise };
        var frames = new Option<int>("--frames") { Description = "Frames in each GIF and strip (input first, result last).", DefaultValueFactory = _ => d.Frames };
        var animations = new Option<int>("--animations") { Description = "How many cutouts (the first) get a GIF and a strip.", DefaultValueFactory = _ => 8 };
        var batch = new Option<int>("--batch") { Description = "Cutouts cleaned together.", DefaultValueFactory = _ => 16 };
        var mask = new Option<string>("--mask") { Description = "auto: ignore in the data term the pixels holding light the prior does not expect, which the prior then fills in; none: keep every pixel (a significant artifact then mostly stays).", DefaultValueFactory = _ => "auto" };
        mask.AcceptOnlyFromAmong([.. CleanJobArgs.MaskNames]);
        var command = new Command("clean", "Remove what the prior finds implausible (artifacts, extra sources): cleaned cutouts, the removed component and GIFs of the process.")
        {
            common.Model, input, common.Output, weight, steps, tHigh, tLow, schedule, step, noise, minNoise, frames, animations, batch, mask, common.Device, common.Overwrite,
        };
        (Option, string)[] flags =
        [
            (weight, "weight"), (steps, "steps"), (tHigh, "t_high"), (tLow, "t_low"), (schedule, "schedule"), (step, "step"), (noise, "noise"),
            (minNoise, "min_noise"), (frames, "frames"), (animations, "animations"), (batch, "batch"), (mask, "mask"), (common.Device, "device"),
        ];
        command.SetAction((parse, ct) => PriorJobCommand.RunAsync(JobKinds.Clean, new CleanJobHandler(), parse, common, parse.GetRequiredValue(input), flags,
            o => $"{Path.Combine(o, CleanOutputs.CleanedFolder)}, {Path.Combine(o, CleanOutputs.RemovedFolder)}, {Path.Combine(o, CleanOutputs.FramesFolder)} and {Path.Combine(o, CleanOutputs.SummaryFile)}", ct));
        return command;
    }
}
