using System.Diagnostics;
using System.Globalization;
using ScoreBatch.Jobs.Model;
using static TorchSharp.torch;

namespace ScoreBatch.Bench;

/// <summary>
/// `-- precision [--sizes 32,64 --batch 128 --seconds 5 --model prior.ckpt]`: the default mixer's (or a trained
/// prior's, on log1p-mapped uniform inputs) forward pass in fp32 and with its token MLP in bf16
/// (<see cref="ScoreNet.UseMatmulPrecision"/>) side by side, alternating, with the bf16 output's relative
/// L2 error against fp32 on the same inputs, and the 2048³ matrix product in both precisions.
/// </summary>
public static class Precision
{
    public static int Run(string[] args)
    {
        var list = args.ToList();
        string Arg(string name, string fallback) => list.IndexOf(name) is var i and >= 0 && i + 1 < list.Count ? list[i + 1] : fallback;
        var sizes = Arg("--sizes", "32,64").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var batch = int.Parse(Arg("--batch", "128"), CultureInfo.InvariantCulture);
        var seconds = double.Parse(Arg("--seconds", "5"), CultureInfo.InvariantCulture);
        var tuned = ScoreBatch.Jobs.Runtime.NativeMemoryTuning.Apply(); // as the main mode and the worker
        ScoreBatch.Jobs.Runtime.TorchDevices.UseAllCores();
        Console.WriteLine($"threads {get_num_threads()}, malloc tuning {(tuned ? "applied" : "off")}, {seconds} s per figure");
        Console.WriteLine($"matmul 2048³: fp32 {Matmul(ScalarType.Float32, seconds):F0} GFLOP/s, bf16 {Matmul(ScalarType.BFloat16, seconds):F0} GFLOP/s");
        Console.WriteLine("| size | batch | fp32 images/s | bf16 images/s | speed-up | bf16 relative L2 |");
        Console.WriteLine("|---|---|---|---|---|---|");
        foreach (var size in sizes)
        {
            manual_seed(0);
            var ckpt = Arg("--model", "") is { Length: > 0 } path ? path : null;
            using var fp32 = ckpt is null ? ScoreNetFactory.Create(new ScoreNetOptions { ImageSize = size }) : ScoreBatch.Jobs.Training.Checkpoint.Load(ckpt).CreatePrior(CPU).Network;
            using var bf16 = ckpt is null ? ScoreNetFactory.Create(new ScoreNetOptions { ImageSize = size }) : ScoreBatch.Jobs.Training.Checkpoint.Load(ckpt).CreatePrior(CPU).Network;
            if (ckpt is null) bf16.load_state_dict(fp32.state_dict()); // the same random weights
            bf16.UseMatmulPrecision(ScalarType.BFloat16);
            fp32.eval();
            bf16.eval();
            using var inference = inference_mode();
            using var y = ckpt is null ? randn(batch, 1, size, size) : (rand(batch, 1, size, size) * 0.05f).log1p() / 0.1f;
            using var t = full(batch, 0.02f);
            using var yb = y.alias();
            using var tb = t.alias();
            using var a = fp32.forward(y, t);
            using var b = bf16.forward(yb, tb).to(ScalarType.Float32);
            var error = (a - b).norm().item<float>() / a.norm().item<float>();
            double f = 0, h = 0;
            for (var round = 0; round < 2; round++)
            {
                f = Rate(() => fp32.forward(y, t), batch, seconds / 2);
                h = Rate(() => bf16.forward(yb, tb), batch, seconds / 2);
            }
            Console.WriteLine($"| {size}² | {batch} | {f:F0} | {h:F0} | {h / f:F2}x | {error:E2} |");
        }
        return 0;
    }

    private static double Rate(Func<Tensor> forward, int batch, double seconds)
    {
        for (var i = 0; i < 2; i++) forward().Dispose();
        var sw = Stopwatch.StartNew();
        var n = 0;
        while (sw.Elapsed.TotalSeconds < seconds)
        {
            using var scope = NewDisposeScope();
            forward();
            n++;
        }
        return (double)n * batch / sw.Elapsed.TotalSeconds;
    }

    private static double Matmul(ScalarType type, double seconds)
    {
        using var a = randn(2048, 2048).to(type);
        using var b = randn(2048, 2048).to(type);
        mm(a, b).Dispose();
        var sw = Stopwatch.StartNew();
        var n = 0;
        while (sw.Elapsed.TotalSeconds < seconds)
        {
            using var p = mm(a, b);
            n++;
        }
        return 2.0 * 2048 * 2048 * 2048 * n / sw.Elapsed.TotalSeconds / 1e9;
    }
}
