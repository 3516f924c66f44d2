using System.CommandLine;
using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Jobs.Kinds.Likelihood;
using ScoreBatch.Jobs.Likelihood;

namespace ScoreBatch.Worker.Cli;

/// <summary>`scorebatch likelihood`: runs the likelihood job's handler (<see cref="LikelihoodJobHandler"/>) on local folders: &lt;out&gt;/likelihood.csv.</summary>
public static class LikelihoodCommand
{
    public static Command Create()
    {
        var common = PriorJobCommand.CommonOptions("Folder for likelihood.csv (created if missing).");
        var input = new Option<FileSystemInfo>("--input") { Description = "A cutout file or a folder searched recursively; cutouts must have the model's size.", Required = true };
        var d = new LikelihoodOptions();
        var probes = new Option<int>("--probes") { Description = "Rademacher probes per cutout (their spread gives std_error).", DefaultValueFactory = _ => d.Probes };
        var rtol = new Option<double>("--rtol") { Description = "Relative tolerance of the RK45 solver.", DefaultValueFactory = _ => d.Adaptive.RelativeTolerance };
        var atol = new Option<double>("--atol") { Description = "Absolute tolerance of the RK45 solver.", DefaultValueFactory = _ => d.Adaptive.AbsoluteTolerance };
        var seed = new Option<long>("--seed") { Description = "Mixed into each cutout's probe seed (which its id fixes).", DefaultValueFactory = _ => 0 };
        var batch = new Option<int>("--batch") { Description = "Cutouts integrated together.", DefaultValueFactory = _ => 16 };
        var command = new Command("likelihood", "Exact log-likelihood of cutouts under a prior (probability-flow ODE): nats and bits/dim per cutout.")
        {
            common.Model, input, common.Output, probes, rtol, atol, seed, batch, common.Device, common.Overwrite,
        };
        (Option, string)[] flags = [(probes, "probes"), (rtol, "rtol"), (atol, "atol"), (seed, "seed"), (batch, "batch"), (common.Device, "device")];
        command.SetAction((parse, ct) => PriorJobCommand.RunAsync(JobKinds.Likelihood, new LikelihoodJobHandler(), parse, common, parse.GetRequiredValue(input), flags,
            o => Path.Combine(o, LikelihoodCsv.FileName), ct));
        return command;
    }
}
