using System.Diagnostics;
using System.Globalization;
using ScoreBatch.Jobs.Diffusion;
using ScoreBatch.Jobs.Model;
using ScoreBatch.Jobs.Synthetic;
using ScoreBatch.Jobs.Training;
using ScoreBatch.Jobs.Transforms;
using static TorchSharp.torch;

namespace ScoreBatch.Bench;

/// <summary>
/// `-- compare [--size 32 --seconds 600 --count 2048 --noise 0.02 --batch 64 --nf 64 --ema 0.999 --save DIR]`: the mixer (VP, its recipe:
/// AdaBelief 3e-4, log-uniform times) and the ncsnpp U-Net (VE with sigma_max measured on the training images, its
/// recipe: Adam 2e-4, warm-up, clipping 1.0, EMA 0.999) trained on the same noisy synthetic galaxies (log1p transform)
/// for the same wall-clock budget each, then on the same held-out images: the Tweedie denoising error at matched
/// noise levels (data-space sigma, so both processes are asked the same question: y_t = a·(x + sigma·n) at the t
/// where s/a = sigma, x_hat = (y_t + s²·score)/a), parameters, training images/s over the budget and scoring
/// images/s (forward passes, batch 128). Printed, never asserted. With --save DIR, each trained model is written as
/// DIR/mixer.ckpt and DIR/ncsnpp.ckpt (the final model a train job writes: EMA weights where the recipe keeps them),
/// so tests/Bench/compare_detection.sh can run the calibrate/score/evaluate and likelihood jobs on them.
/// </summary>
internal static class MixerVsUnet
{
    private static readonly double[] NoiseLevels = [0.01, 0.03, 0.1, 0.3, 1.0];

    public static async Task<int> RunAsync(string[] args)
    {
        var list = args.ToList();
        string Arg(string name, string fallback)
        {
            var i = list.IndexOf(name);
            return i >= 0 && i + 1 < list.Count ? list[i + 1] : fallback;
        }
        var size = int.Parse(Arg("--size", "32"), CultureInfo.InvariantCulture);
        var seconds = double.Parse(Arg("--seconds", "600"), CultureInfo.InvariantCulture);
        var count = int.Parse(Arg("--count", "2048"), CultureInfo.InvariantCulture);
        var noise = double.Parse(Arg("--noise", "0.02"), CultureInfo.InvariantCulture);
        var batch = int.Parse(Arg("--batch", "64"), CultureInfo.InvariantCulture);
        var nf = int.Parse(Arg("--nf", "64"), CultureInfo.InvariantCulture);
        var warmup = long.Parse(Arg("--warmup", "100"), CultureInfo.InvariantCulture);
        var emaDecay = double.Parse(Arg("--ema", "0.999"), CultureInfo.InvariantCulture);
        var save = Arg("--save", "");
        const int heldOut = 256;

        var galaxies = new SyntheticDatasetBuilder(SersicGalaxyOptions.ForSize(size) with { NoiseSigma = noise }).Build(count + heldOut, seed: 1);
        var transform = new Log1pTransform();
        using var all = transform.Forward(tensor(galaxies.Pixels, [count + heldOut, 1, size, size]));
        using var train = all[..count].clone();
        using var test = all[count..].clone();
        var sigmaMax = VeSigmaMax.LargestPairwiseDistance(train);
        Console.WriteLine($"ScoreBatch mixer (VP) vs ncsnpp (VE), TorchSharp CPU, {get_num_threads()} threads: {count} synthetic galaxies {size}² " +
            $"(noise {noise} of the peak, log1p), {heldOut} held out, {seconds} s of training each, batch {batch}; VE sigma_max {sigmaMax:F2} (measured)");

        var mixer = new Contender("mixer (VP)", "mixer", new ScoreNetOptions { ImageSize = size }, new VpProcess(),
            new TrainerOptions { BatchSize = batch, TimeSampling = TimeSampling.LogUniform });
        var unet = new Contender($"ncsnpp nf {nf} (VE)", "ncsnpp", new ScoreNetOptions { Architecture = ScoreNetArchitectures.Ncsnpp, ImageSize = size, Nf = nf },
            new VeProcess(sigmaMax: sigmaMax),
            new TrainerOptions { BatchSize = batch, Optimizer = OptimizerNames.Adam, LearningRate = 2e-4, EmaDecay = emaDecay, WarmupSteps = warmup, GradientClipNorm = 1.0 });
        var rows = new List<string>();
        foreach (var contender in new[] { mixer, unet })
            rows.Add(await contender.RunAsync(train, test, seconds, transform, save).ConfigureAwait(false));

        Console.WriteLine();
        Console.WriteLine("Tweedie denoising MSE per pixel (model space) on the held-out images; naive = sigma² (the noisy image itself)");
        Console.WriteLine($"| model | parameters | steps | train img/s | score img/s | final train loss | {string.Join(" | ", NoiseLevels.Select(s => $"MSE at {s}"))} |");
        Console.WriteLine($"|---|---|---|---|---|---|{string.Concat(NoiseLevels.Select(_ => "---|"))}");
        Console.WriteLine($"| naive | | | | | | {string.Join(" | ", NoiseLevels.Select(s => (s * s).ToString("G3", CultureInfo.InvariantCulture)))} |");
        foreach (var row in rows) Console.WriteLine(row);
        return 0;
    }

    private sealed record Contender(string Name, string FileName, ScoreNetOptions Options, INoiseProcess Process, TrainerOptions Recipe)
    {
        public async Task<string> RunAsync(Tensor train, Tensor test, double seconds, IDataTransform transform, string save)
        {
            manual_seed(0);
            using var model = ScoreNetFactory.Create(Options);
            using var data = new InMemoryTrainingData(train.clone());
            using var cts = new CancellationTokenSource();
            var options = Recipe with { Steps = long.MaxValue, CheckpointEvery = 0, LogEvery = int.MaxValue, Seed = 1 };
            using var trainer = new Trainer(model, Process, options);
            var watch = new Stopwatch();
            long steps = 0;
            double lastLoss = double.NaN;
            trainer.StepCompleted = (_, loss) =>
            {
                if (!watch.IsRunning) watch.Start();
                steps++;
                lastLoss = loss;
                if (watch.Elapsed.TotalSeconds >= seconds) cts.Cancel();
            };
            await trainer.RunAsync(data, cts.Token).ConfigureAwait(false);
            watch.Stop();
            if (save.Length > 0)
            {
                Directory.CreateDirectory(save);
                var path = Path.Combine(save, FileName + ".ckpt");
                using (var file = File.Create(path)) Checkpoint.FinalModel(trainer, transform).Save(file);
                Console.WriteLine($"{Name}: model {path}");
            }
            var trainRate = (steps - 1) * options.BatchSize / watch.Elapsed.TotalSeconds; // the clock starts after step 1
            var ema = trainer.Ema is not null; // as the final model of a train job (Checkpoint.FinalModel)
            if (ema)
            {
                using var noGrad = no_grad();
                foreach (var (averaged, parameter) in trainer.Ema!.Averages.Zip(model.parameters())) parameter.copy_(averaged);
            }
            model.eval();
            var errors = NoiseLevels.Select(sigma => DenoisingError(model, test, sigma)).ToArray();
            var scoreRate = ScoringRate(model, test);
            Console.WriteLine($"{Name}: {steps} steps in {watch.Elapsed.TotalSeconds:F0} s, {(ema ? $"EMA weights (decay {trainer.Ema!.Decay})" : "raw weights")}, transform {transform.Spec}");
            return $"| {Name} | {ScoreNetFactory.ParameterCount(model):N0} | {steps} | {trainRate:F1} | {scoreRate:F1} | {lastLoss:F4} | " +
                string.Join(" | ", errors.Select(e => e.ToString("G3", CultureInfo.InvariantCulture))) + " |";
        }

        /// <summary>Mean squared error per pixel of the Tweedie estimate from x + sigma·n (fixed noise seed).</summary>
        private double DenoisingError(ScoreNet model, Tensor x, double sigma)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var t = Process.TimeForNoise(sigma);
            double a = Process.MarginalMean(t), s = Process.MarginalStd(t);
            using var generator = new Generator(99);
            var n = randn(x.shape, generator: generator);
            var yt = (x + (n * sigma)) * a;
            var times = full(x.shape[0], t, dtype: ScalarType.Float32);
            var score = model.forward(yt, ScorePrior.Conditioning(model, Process, times));
            var estimate = (yt + (score * (s * s))) / a;
            return (estimate - x).square().mean().item<float>();
        }

        /// <summary>Forward passes per second at batch 128 over about 3 s, at t for sigma = 0.03.</summary>
        private double ScoringRate(ScoreNet model, Tensor x)
        {
            using var inference = inference_mode();
            using var y = x[..(int)Math.Min(128, x.shape[0])].clone();
            using var times = full(y.shape[0], Process.TimeForNoise(0.03), dtype: ScalarType.Float32);
            using var c = ScorePrior.Conditioning(model, Process, times);
            model.forward(y, c).Dispose();
            var watch = Stopwatch.StartNew();
            long images = 0;
            while (watch.Elapsed.TotalSeconds < 3)
            {
                model.forward(y, c).Dispose();
                images += y.shape[0];
            }
            return images / watch.Elapsed.TotalSeconds;
        }
    }
}
