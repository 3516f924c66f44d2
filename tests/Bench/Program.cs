using System.Globalization;
using ScoreBatch.Bench;
using ScoreBatch.Jobs.Model;
using ScoreBatch.Jobs.Runtime;
using ScoreBatch.Jobs.Training;
using static TorchSharp.torch;

// ScoreBatch benchmark: scoring and training images/s of the default mixer at 32² and 64², the GFLOP/s they reach
// (analytic matmul FLOPs, see MixerFlops) and, in the same run, the GFLOP/s of a large fp32 matrix product.
// Second mode: `-- queue [--cutouts 5000,20000]`, scoring through the queue and Azurite against the local command
// (see QueueVsLocal). Third mode: `-- prior [--sizes 32,64 --batch 16]`, likelihood and sampling rates (see PriorUses).
// `-- precision [--sizes 32,64 --model prior.ckpt]`: fp32 against the bf16 token MLP (see Precision).
// `-- split [--cutouts 20000 --split 4 --workers 1,2,4]`: one split job over 1, 2 and 4 workers (see SplitScaling).
// `-- compare [--size 32 --seconds 600]`: the mixer (VP) against the U-Net (VE) (see MixerVsUnet).
// Usage: dotnet run -c Release --project tests/Bench [-- --seconds 5 --score-batch 128 --train-batch 64
//        --sizes 32,64 --workloads score,score-lanes,score-onnx,train,train-bf16 --no-malloc-tuning]
if (args.Length > 0 && args[0] == "queue") return await QueueVsLocal.RunAsync(args[1..]).ConfigureAwait(false);
if (args.Length > 0 && args[0] == "prior") return PriorUses.Run(args[1..]);
if (args.Length > 0 && args[0] == "precision") return Precision.Run(args[1..]);
if (args.Length > 0 && args[0] == "split") return await SplitScaling.RunAsync(args[1..]).ConfigureAwait(false);
if (args.Length > 0 && args[0] == "compare") return await MixerVsUnet.RunAsync(args[1..]).ConfigureAwait(false);
var arguments = args.ToList();
string Arg(string name, string fallback)
{
    var i = arguments.IndexOf(name);
    return i >= 0 && i + 1 < arguments.Count ? arguments[i + 1] : fallback;
}
var seconds = double.Parse(Arg("--seconds", "5"), CultureInfo.InvariantCulture);
var scoreBatch = int.Parse(Arg("--score-batch", "128"), CultureInfo.InvariantCulture);
var trainBatch = int.Parse(Arg("--train-batch", "64"), CultureInfo.InvariantCulture);
var sizes = Arg("--sizes", "32,64").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
var workloads = Arg("--workloads", "score,score-lanes,score-onnx,train,train-bf16").Split(',');
var tuned = !arguments.Contains("--no-malloc-tuning") && NativeMemoryTuning.Apply();
var spin = OpenMpWaitTuning.Apply(); // as every scorebatch command (before libtorch loads)
TorchDevices.UseAllCores();

Console.WriteLine("ScoreBatch benchmark (TorchSharp, CPU)");
Console.WriteLine($"threads {get_num_threads()}, malloc tuning {(tuned ? "applied (mallopt)" : "off")}, " +
    $"GLIBC_TUNABLES={Environment.GetEnvironmentVariable("GLIBC_TUNABLES") ?? "(unset)"}, " +
    $"OpenMP spin {(spin ? $"GOMP_SPINCOUNT={OpenMpWaitTuning.SpinCount}" : "as the environment sets it")}, {seconds} s per figure");
var peak = Measurements.MatmulGflops(2048, seconds);
Console.WriteLine($"fp32 matmul 2048³, libtorch: {peak:F1} GFLOP/s");
var best = MachinePeak.NumpyGflops(2048, seconds);
Console.WriteLine(best is { } b
    ? $"fp32 matmul 2048³, numpy on Debian's OpenBLAS (pins unset for it alone): {b:F1} GFLOP/s (the machine's best: the % column below)"
    : "numpy/OpenBLAS not available: % column against libtorch's matmul");
var machine = Math.Max(best ?? 0, peak);
Console.WriteLine();
Console.WriteLine("| size | workload | batch | images/s | MFLOP/image | GFLOP/s | % of best matmul | % of libtorch matmul | images/CPU-s | minor faults/batch |");
Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|");
foreach (var size in sizes)
{
    var options = new ScoreNetOptions { ImageSize = size };
    if (workloads.Contains("score"))
    {
        var score = Measurements.Scoring(options, scoreBatch, seconds);
        Row(size, "score", scoreBatch, score, MixerFlops.ForwardPerImage(options));
    }
    // As score jobs run: the batch split over the scoring lanes, on libtorch and on ONNX Runtime (the default).
    if (workloads.Contains("score-lanes"))
        Row(size, "score (lanes, libtorch)", scoreBatch, Measurements.ScoringOnLanes(options, scoreBatch, seconds, onnx: false), MixerFlops.ForwardPerImage(options));
    if (workloads.Contains("score-onnx"))
        Row(size, "score (lanes, ONNX Runtime)", scoreBatch, Measurements.ScoringOnLanes(options, scoreBatch, seconds, onnx: true), MixerFlops.ForwardPerImage(options));
    if (workloads.Contains("train"))
    {
        var train = await Measurements.Training(options, trainBatch, warmup: 3, seconds).ConfigureAwait(false);
        Row(size, "train", trainBatch, train, MixerFlops.TrainingPerImage(options));
    }
    if (workloads.Contains("train-bf16"))
    {
        var train = await Measurements.Training(options, trainBatch, warmup: 3, seconds, TrainerOptions.Bf16).ConfigureAwait(false);
        Row(size, "train (bf16 mixed precision)", trainBatch, train, MixerFlops.TrainingPerImage(options));
    }
}

return 0;

void Row(int size, string workload, int batch, Sample sample, double flopsPerImage)
{
    var gflops = sample.ImagesPerSecond * flopsPerImage / 1e9;
    Console.WriteLine($"| {size}² | {workload} | {batch} | {sample.ImagesPerSecond:F1} | {flopsPerImage / 1e6:F1} | {gflops:F1} | " +
        $"{100 * gflops / machine:F0} % | {100 * gflops / peak:F0} % | {sample.ImagesPerCpuSecond:F1} | {sample.FaultsPerBatch:F0} |");
}
