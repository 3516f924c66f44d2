using System.Diagnostics;
using System.Globalization;
using ScoreBatch.Jobs.Diffusion;
using ScoreBatch.Jobs.Likelihood;
using ScoreBatch.Jobs.Model;
using ScoreBatch.Jobs.Sampling;
using ScoreBatch.Jobs.Transforms;
using static TorchSharp.torch;

namespace ScoreBatch.Bench;

/// <summary>
/// `-- prior [--sizes 32,64 --batch 16]`: the prior's other uses on the CPU with the default mixer (untrained weights,
/// so the NFE an adaptive solver needs is that of this network; a trained prior's may differ): likelihood cutouts/s
/// and NFE per batch (RK45 at 1e-5, 4 probes) and sample images/s for rk4 (100 steps), rk45 (1e-4) and sde (100
/// steps, and with one corrector step). Printed, never asserted.
/// </summary>
internal static class PriorUses
{
    public static int Run(string[] args)
    {
        var list = args.ToList();
        string Arg(string name, string fallback)
        {
            var i = list.IndexOf(name);
            return i >= 0 && i + 1 < list.Count ? list[i + 1] : fallback;
        }
        var sizes = Arg("--sizes", "32,64").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var batch = int.Parse(Arg("--batch", "16"), CultureInfo.InvariantCulture);
        Console.WriteLine($"ScoreBatch prior uses (TorchSharp, CPU, {get_num_threads()} threads), batch {batch}");
        Console.WriteLine("| size | workload | items/s | steps | NFE |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var size in sizes)
        {
            manual_seed(0);
            using var network = ScoreNetFactory.Create(new ScoreNetOptions { ImageSize = size });
            network.eval();
            using var prior = new ScorePrior(network, new VpProcess(), new Log1pTransform());
            using var x = rand([batch, 1, size, size]) * 0.5f;
            var ids = Enumerable.Range(0, batch).Select(i => $"bench-{i}").ToArray();
            var watch = Stopwatch.StartNew();
            var rows = LikelihoodEstimator.Estimate(prior.Process, prior.Score, prior.Transform, x, ids, new LikelihoodOptions());
            Print(size, "likelihood (rk45 1e-5, 4 probes)", batch / watch.Elapsed.TotalSeconds, rows[0].Steps, rows[0].Evaluations);
            (string Name, SamplerOptions Options)[] samplers =
            [
                ("sample rk4 (100 steps)", new SamplerOptions()),
                ("sample rk45 (1e-4)", new SamplerOptions { Kind = SamplerKind.Rk45 }),
                ("sample sde (100 steps)", new SamplerOptions { Kind = SamplerKind.ReverseSde }),
                ("sample sde + corrector", new SamplerOptions { Kind = SamplerKind.ReverseSde, CorrectorSteps = 1 }),
            ];
            foreach (var (name, options) in samplers)
            {
                using var g = new Generator(1);
                watch.Restart();
                var result = Sampler.Sample(prior.Process, prior.Score, [batch, 1, size, size], options, g);
                result.Y.Dispose();
                Print(size, name, batch / watch.Elapsed.TotalSeconds, result.Steps, result.Evaluations);
            }
        }
        return 0;
    }

    private static void Print(int size, string workload, double perSecond, int steps, int nfe) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {size}² | {workload} | {perSecond:F2} | {steps} | {nfe} |"));
}
