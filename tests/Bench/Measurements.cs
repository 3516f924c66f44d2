using System.Diagnostics;
using ScoreBatch.Jobs.Diffusion;
using ScoreBatch.Jobs.Model;
using ScoreBatch.Jobs.Model.Onnx;
using ScoreBatch.Jobs.Scoring;
using ScoreBatch.Jobs.Training;
using static TorchSharp.torch;

namespace ScoreBatch.Bench;

/// <summary>The timed workloads: a large fp32 matrix product (practical peak), scoring and training of the mixer.</summary>
public static class Measurements
{
    /// <summary>GFLOP/s of an n x n x n fp32 matrix product, timed over about <paramref name="seconds"/> after one warm-up.</summary>
    public static double MatmulGflops(int n, double seconds)
    {
        using var a = randn(n, n);
        using var b = randn(n, n);
        using var c = empty(n, n);
        mm(a, b).Dispose(); // warm-up
        var sw = Stopwatch.StartNew();
        var iterations = 0;
        while (sw.Elapsed.TotalSeconds < seconds)
        {
            using var product = mm(a, b);
            iterations++;
        }
        return 2.0 * n * n * n * iterations / sw.Elapsed.TotalSeconds / 1e9;
    }

    /// <summary>Scoring images/s: forward passes at t = 0.02 under inference mode, batch <paramref name="batch"/>.</summary>
    public static Sample Scoring(ScoreNetOptions options, int batch, double seconds)
    {
        manual_seed(0);
        using var model = ScoreNetFactory.Create(options);
        model.eval();
        using var inference = inference_mode();
        using var y = randn(batch, 1, options.ImageSize, options.ImageSize);
        using var t = full(batch, 0.02f);
        for (var i = 0; i < 3; i++) model.forward(y, t).Dispose(); // warm-up: allocator and kernels
        var before = ProcessCounters.Now();
        var sw = Stopwatch.StartNew();
        var batches = 0;
        while (sw.Elapsed.TotalSeconds < seconds)
        {
            using var scope = NewDisposeScope();
            model.forward(y, t);
            batches++;
        }
        sw.Stop();
        return new Sample((long)batches * batch, batches, sw.Elapsed, ProcessCounters.Now() - before);
    }

    /// <summary>
    /// Scoring images/s as score jobs run the network on the CPU: the batch split over the scoring lanes
    /// (<see cref="ScoringLanes"/>, one intra-op thread each on 2 cores), on libtorch or on ONNX Runtime
    /// (<see cref="OnnxScoreNet"/>, the default engine of fp32 mixer scoring).
    /// </summary>
    public static Sample ScoringOnLanes(ScoreNetOptions options, int batch, double seconds, bool onnx)
    {
        manual_seed(0);
        using var model = ScoreNetFactory.Create(options);
        model.eval();
        var lanes = ScoringLanes.Shared;
        using var engine = onnx ? OnnxScoreNet.Create(model, lanes.ThreadsPerLane) : null;
        var parts = Enumerable.Range(0, lanes.Count).Select(i => (int)((long)(i + 1) * batch / lanes.Count - (long)i * batch / lanes.Count)).ToArray();
        var ys = parts.Select(n => randn(n, 1, options.ImageSize, options.ImageSize)).ToArray();
        var ts = parts.Select(n => full(n, 0.02f)).ToArray();
        void Forward(int lane)
        {
            using var inference = inference_mode();
            using var scope = NewDisposeScope();
            if (engine is null) model.forward(ys[lane], ts[lane]);
            else engine.Forward(ys[lane], ts[lane]);
        }
        for (var i = 0; i < 3; i++) lanes.Run(lanes.Count, Forward); // warm-up: allocators and kernels
        var before = ProcessCounters.Now();
        var sw = Stopwatch.StartNew();
        var batches = 0;
        while (sw.Elapsed.TotalSeconds < seconds)
        {
            lanes.Run(lanes.Count, Forward);
            batches++;
        }
        sw.Stop();
        foreach (var x in ys.Concat(ts)) x.Dispose();
        return new Sample((long)batches * batch, batches, sw.Elapsed, ProcessCounters.Now() - before);
    }

    /// <summary>
    /// Training images/s through the product's <see cref="Trainer"/> (AdaBelief, stratified times, DSM loss):
    /// <paramref name="warmup"/> steps, then the steps completed within about <paramref name="seconds"/>.
    /// </summary>
    public static async Task<Sample> Training(ScoreNetOptions options, int batch, int warmup, double seconds, string precision = TrainerOptions.Fp32)
    {
        manual_seed(0);
        using var model = ScoreNetFactory.Create(options);
        using var images = rand(Math.Max(4 * batch, 512), 1, options.ImageSize, options.ImageSize);
        using var data = new InMemoryTrainingData(images);
        using var cts = new CancellationTokenSource();
        var trainerOptions = new TrainerOptions { Steps = long.MaxValue, BatchSize = batch, CheckpointEvery = 0, LogEvery = int.MaxValue, Precision = precision };
        using var trainer = new Trainer(model, new VpProcess(), trainerOptions);
        var sw = new Stopwatch();
        long timedSteps = 0;
        var before = default(ProcessCounters);
        var counters = default(ProcessCounters);
        trainer.StepCompleted = (step, _) =>
        {
            if (step == warmup)
            {
                before = ProcessCounters.Now();
                sw.Start();
            }
            else if (step > warmup) timedSteps++;
            if (sw.IsRunning && sw.Elapsed.TotalSeconds >= seconds)
            {
                sw.Stop();
                counters = ProcessCounters.Now() - before;
                cts.Cancel();
            }
        };
        await trainer.RunAsync(data, cts.Token).ConfigureAwait(false);
        return new Sample(timedSteps * batch, timedSteps, sw.Elapsed, counters);
    }
}
