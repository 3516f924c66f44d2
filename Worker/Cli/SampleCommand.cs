using System.CommandLine;
using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Jobs.Kinds.Sample;
using ScoreBatch.Jobs.Previews;
using ScoreBatch.Jobs.Sampling;

namespace ScoreBatch.Worker.Cli;

/// <summary>
/// `scorebatch sample`: runs the sample job's handler (<see cref="SampleJobHandler"/>) on local folders:
/// &lt;out&gt;/samples.npy, mean.npy, grid.png and summary.json, byte for byte what a sample job writes.
/// </summary>
public static class SampleCommand
{
    public static Command Create()
    {
        var common = PriorJobCommand.CommonOptions("Folder for samples.npy, grid.png and summary.json (created if missing).");
        var input = new Option<FileSystemInfo?>("--input") { Description = "Optional training cutouts (a file or a folder) to compare the samples' statistics with." };
        var d = new SamplerOptions();
        var count = new Option<int>("--count") { Description = "Samples to draw (1 to 4096).", DefaultValueFactory = _ => 16 };
        var sampler = new Option<string>("--sampler") { Description = "rk4 (probability-flow ODE, fixed steps), rk45 (adaptive), sde (reverse SDE, Euler-Maruyama) or pc (predictor-corrector: reverse-diffusion predictor + Langevin corrector, the VE recipe).", DefaultValueFactory = _ => "rk4" };
        sampler.AcceptOnlyFromAmong([.. SamplerOptions.KindNames]);
        var steps = new Option<int>("--steps") { Description = "Steps of rk4, sde and pc.", DefaultValueFactory = _ => d.Steps };
        var rtol = new Option<double>("--rtol") { Description = "Relative tolerance of rk45.", DefaultValueFactory = _ => d.Adaptive.RelativeTolerance };
        var atol = new Option<double>("--atol") { Description = "Absolute tolerance of rk45.", DefaultValueFactory = _ => d.Adaptive.AbsoluteTolerance };
        var corrector = new Option<int>("--corrector") { Description = "Langevin corrector steps per sde or pc step (default 0 for sde, 1 for pc)." };
        var snr = new Option<double>("--snr") { Description = "Signal-to-noise ratio of the Langevin corrector.", DefaultValueFactory = _ => d.Snr };
        var seed = new Option<long>("--seed") { Description = "Seed: the same seed, model and flags give the same samples.", DefaultValueFactory = _ => 0 };
        var batch = new Option<int>("--batch") { Description = "Samples integrated together.", DefaultValueFactory = _ => 64 };
        var clip = new Option<bool>("--clip") { Description = "Clip samples to the data range [0, 1] (--clip false keeps them as drawn).", DefaultValueFactory = _ => true };
        var command = new Command("sample", "Draw images from a trained prior: samples.npy (data space), a grid PNG and summary statistics.")
        {
            common.Model, common.Output, input, count, sampler, steps, rtol, atol, corrector, snr, seed, batch, clip, common.Device, common.Overwrite,
        };
        (Option, string)[] flags =
        [
            (count, "count"), (sampler, "sampler"), (steps, "steps"), (rtol, "rtol"), (atol, "atol"), (corrector, "corrector"), (snr, "snr"),
            (seed, "seed"), (batch, "batch"), (clip, "clip"), (common.Device, "device"),
        ];
        command.SetAction((parse, ct) => PriorJobCommand.RunAsync(JobKinds.Sample, new SampleJobHandler(), parse, common, parse.GetValue(input), flags,
            o => $"{Path.Combine(o, SampleJobHandler.SamplesFile)}, {Path.Combine(o, SampleGrid.FileName)} and {Path.Combine(o, SampleJobHandler.SummaryFile)}", ct));
        return command;
    }
}
