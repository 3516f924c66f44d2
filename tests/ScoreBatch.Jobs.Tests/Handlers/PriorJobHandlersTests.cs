using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Jobs.Kinds;
using ScoreBatch.Jobs.Kinds.Clean;
using ScoreBatch.Jobs.Kinds.Likelihood;
using ScoreBatch.Jobs.Kinds.Sample;
using ScoreBatch.Jobs.Model;
using ScoreBatch.Jobs.Transforms;
using ScoreBatch.Storage.Formats;
using SkiaSharp;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Tests.Handlers;

/// <summary>The sample, likelihood and clean jobs on the in-memory store with a tiny untrained 8x8 prior.</summary>
public class PriorJobHandlersTests
{
    private static byte[] Checkpoint(int seed = 1)
    {
        manual_seed(seed);
        using var model = ScoreNetFactory.Create(TinyModels.Mixer8);
        using var stream = new MemoryStream();
        ScoreBatch.Jobs.Training.Checkpoint.FromModel(model, new Log1pTransform()).Save(stream);
        return stream.ToArray();
    }

    /// <summary>N 8x8 "galaxies": a centred Gaussian bump with N(0, 0.02²) noise, clipped above -0.5.</summary>
    private static byte[] Galaxies(int count, int seed, int size = 8)
    {
        var rng = new Random(seed);
        var pixels = new float[count * size * size];
        for (int n = 0; n < count; n++)
            for (int k = 0; k < size * size; k++)
            {
                double r2 = Math.Pow((k / size) - 3, 2) + Math.Pow((k % size) - 3, 2);
                double gauss = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
                pixels[(n * size * size) + k] = (float)Math.Max(-0.5, Math.Exp(-r2 / 2) + (0.02 * gauss));
            }
        return Npy.ToBytes(pixels, [count, size, size]);
    }

    private static MemoryArtifactStore Store()
    {
        var store = new MemoryArtifactStore();
        store.Put("models/m.ckpt", Checkpoint());
        store.Put("data/a.npy", Galaxies(3, 2));
        store.Put("data/sub/b.npy", Galaxies(2, 3));
        return store;
    }

    [Fact]
    public async Task Sample_SeededTwice_WritesSameSamplesGridAndSummary()
    {
        var store = Store();
        var first = HandlerJobs.Request("sample", "data", "out1", """{ "count": 5, "steps": 10, "batch": 2, "seed": 7 }""");
        Assert.Equal(JobOutcome.Completed, await new SampleJobHandler().RunAsync(HandlerJobs.Context(store, first), CancellationToken.None));
        var again = first with { Output = "out2" };
        Assert.Equal(JobOutcome.Completed, await new SampleJobHandler().RunAsync(HandlerJobs.Context(store, again), CancellationToken.None));
        var samples = Npy.Read(store.Get("out1/samples.npy"), "samples.npy");
        Assert.Equal([5, 8, 8], samples.Shape);
        Assert.Equal(store.Get("out1/samples.npy"), store.Get("out2/samples.npy"));
        // x space, clipped to the data range [0, 1]
        Assert.All(samples.Data, v => Assert.InRange(v, 0f, 1f));
        using var grid = SKBitmap.Decode(store.Get("out1/grid.png"));
        Assert.Equal((3 * 8 * 4) + (2 * 2), grid.Width); // 5 samples: 3 columns of 32-pixel tiles, 2-pixel gaps
        var summary = JsonNode.Parse(Encoding.UTF8.GetString(store.Get("out1/summary.json")!))!;
        Assert.Equal("rk4", summary["sampler"]!.GetValue<string>());
        Assert.Equal(4 * 10 * 3, summary["nfe"]!.GetValue<int>()); // 3 batches x 10 RK4 steps x 4 evaluations
        Assert.Equal(5, summary["training"]!["count"]!.GetValue<int>());
        Assert.InRange(summary["comparison"]!["pixel_histogram_total_variation"]!.GetValue<double>(), 0, 1);
        Assert.Equal([8, 8], Npy.Read(store.Get("out1/mean.npy"), "mean.npy").Shape);
    }

    [Theory]
    [InlineData("""{ "sampler": "pc" }""", 1)]
    [InlineData("""{ "sampler": "pc", "corrector": 0 }""", 0)]
    [InlineData("""{ "sampler": "sde" }""", 0)]
    public void SampleArgs_CorrectorSteps_DefaultOneForPcOnly(string parameters, int expected)
    {
        var args = SampleJobArgs.From(HandlerJobs.Request("sample", null, "out", parameters));
        Assert.Equal(expected, args.Sampler.CorrectorSteps);
    }

    [Theory]
    [InlineData("""{ "sampler": "euler" }""", "params.sampler")]
    [InlineData("""{ "sampler": "rk4", "corrector": 1 }""", "params.corrector")]
    [InlineData("""{ "count": 0 }""", "params.count")]
    [InlineData("""{ "stpes": 3 }""", "params.stpes")]
    public void Sample_BadParams_NameTheField(string parameters, string field)
    {
        var e = Assert.Throws<JobValidationException>(() => new SampleJobHandler().Validate(HandlerJobs.Request("sample", null, "out", parameters)));
        Assert.Equal(field, e.Field);
    }

    [Fact]
    public async Task Likelihood_TwoFiles_WritesOneRowPerCutoutWithBitsPerDim()
    {
        var store = Store();
        var request = HandlerJobs.Request("likelihood", "data", "lkout", """{ "probes": 2, "batch": 2, "rtol": 1e-3, "atol": 1e-3 }""");
        Assert.Equal(JobOutcome.Completed, await new LikelihoodJobHandler().RunAsync(HandlerJobs.Context(store, request), CancellationToken.None));
        var lines = Encoding.UTF8.GetString(store.Get("lkout/likelihood.csv")!).TrimEnd('\n').Split('\n');
        Assert.Equal("id,log_likelihood,log_likelihood_model,bits_per_dim,std_error,dimensions,steps,nfe", lines[0]);
        Assert.Equal(6, lines.Length); // 3 + 2 cutouts
        foreach (var row in lines.Skip(1).Select(l => l.Split(',')))
        {
            double Get(int i) => double.Parse(row[i], CultureInfo.InvariantCulture);
            Assert.Equal(-Get(1) / (64 * Math.Log(2)), Get(3), 9);
            Assert.True(Get(4) >= 0);
            Assert.Equal(64, Get(5));
            Assert.True(Get(7) > 6);
            // log1p's log-Jacobian: log p_x - log p_y = sum(-ln 0.1 - ln(1 + x)), positive for small x (64·ln 10 at x = 0)
            Assert.InRange(Get(1) - Get(2), 64 * Math.Log(10) - 40, 64 * Math.Log(10));
        }
    }

    [Fact]
    public async Task Likelihood_CutoutOfAnotherSize_NamesTheFile()
    {
        var store = Store();
        store.Put("big/big.npy", Galaxies(1, 4, size: 16));
        var e = await Assert.ThrowsAsync<JobValidationException>(() =>
            new LikelihoodJobHandler().RunAsync(HandlerJobs.Context(store, HandlerJobs.Request("likelihood", "big", "lkout", "{}")), CancellationToken.None));
        Assert.Equal("big/big.npy", e.Field);
        Assert.Contains("needs the model's size 8x8", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clean_TwoFiles_WritesCleanedRemovedFramesAndSummary()
    {
        var store = Store();
        var request = HandlerJobs.Request("clean", "data", "clout", """{ "steps": 6, "frames": 4, "animations": 2, "batch": 2 }""");
        Assert.Equal(JobOutcome.Completed, await new CleanJobHandler().RunAsync(HandlerJobs.Context(store, request), CancellationToken.None));
        var input = Npy.Read(store.Get("data/a.npy"), "a.npy");
        var cleaned = Npy.Read(store.Get("clout/cleaned/a.npy"), "a.npy");
        var removed = Npy.Read(store.Get("clout/removed/a.npy"), "a.npy");
        Assert.Equal([3, 8, 8], cleaned.Shape);
        for (var i = 0; i < input.Data.Length; i++) Assert.Equal(input.Data[i] - cleaned.Data[i], removed.Data[i], 5);
        Assert.Equal([2, 8, 8], Npy.Read(store.Get("clout/cleaned/sub/b.npy"), "b.npy").Shape);
        // the first two cutouts are animated: GIF with 4 frames (+5 repeats holding the last), PNG strip of 4 panels
        var gifs = store.Names().Where(n => n.StartsWith("clout/frames/", StringComparison.Ordinal) && n.EndsWith(".gif", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, gifs.Count);
        using var codec = SKCodec.Create(new MemoryStream(store.Get(gifs[0])!));
        Assert.Equal(4 + 5, codec.FrameCount);
        var csv = Encoding.UTF8.GetString(store.Get("clout/clean.csv")!).TrimEnd('\n').Split('\n');
        Assert.Equal("id,noise_sigma,removed_flux,removed_abs_flux,max_abs_removed,masked_pixels", csv[0]);
        Assert.Equal(6, csv.Length);
        Assert.All(csv.Skip(1), row => Assert.InRange(int.Parse(row.Split(',')[5], CultureInfo.InvariantCulture), 0, 64));
        // the noise is estimated from each cutout's background: about the 0.02 that was added
        Assert.InRange(double.Parse(csv[1].Split(',')[1], CultureInfo.InvariantCulture), 0.01, 0.04);
    }

    [Fact]
    public async Task Clean_MaskNone_KeepsEveryPixelInTheDataTerm()
    {
        var store = Store();
        var request = HandlerJobs.Request("clean", "data", "clout", """{ "steps": 4, "animations": 0, "mask": "none" }""");
        Assert.Equal(JobOutcome.Completed, await new CleanJobHandler().RunAsync(HandlerJobs.Context(store, request), CancellationToken.None));
        var csv = Encoding.UTF8.GetString(store.Get("clout/clean.csv")!).TrimEnd('\n').Split('\n');
        Assert.All(csv.Skip(1), row => Assert.Equal("0", row.Split(',')[5]));
    }

    [Theory]
    [InlineData("""{ "mask": "ring" }""", "params.mask")]
    [InlineData("""{ "t_high": 20 }""", "params.t_high")]
    [InlineData("""{ "noise": "none" }""", "params.noise")]
    [InlineData("""{ "schedule": "cosine" }""", "params.schedule")]
    public async Task Clean_BadParams_NameTheField(string parameters, string field)
    {
        var store = Store();
        var e = await Assert.ThrowsAsync<JobValidationException>(() =>
            new CleanJobHandler().RunAsync(HandlerJobs.Context(store, HandlerJobs.Request("clean", "data", "clout", parameters)), CancellationToken.None));
        Assert.Equal(field, e.Field);
    }

    [Fact]
    public void ParamNames_NewKinds_AreKnown()
    {
        Assert.Equal(SampleJobArgs.ParamNames, JobParamNames.For(JobKinds.Sample));
        Assert.Equal(LikelihoodJobArgs.ParamNames, JobParamNames.For(JobKinds.Likelihood));
        Assert.Equal(CleanJobArgs.ParamNames, JobParamNames.For(JobKinds.Clean));
        Assert.Contains(JobKinds.Clean, JobKinds.All);
    }
}

/// <summary>A score job with params.likelihood: summary.csv gains the likelihood job's numbers.</summary>
public class ScoreLikelihoodColumnsTests
{
    [Fact]
    public async Task Score_WithLikelihood_AddsTheLikelihoodJobsValues()
    {
        var store = new MemoryArtifactStore();
        manual_seed(1);
        using (var model = ScoreNetFactory.Create(TinyModels.Mixer8))
        using (var stream = new MemoryStream())
        {
            ScoreBatch.Jobs.Training.Checkpoint.FromModel(model, new Log1pTransform()).Save(stream);
            store.Put("models/m.ckpt", stream.ToArray());
        }
        var rng = new Random(5);
        store.Put("data/a.npy", Npy.ToBytes([.. Enumerable.Range(0, 2 * 64).Select(i => (float)(Math.Exp(-(Math.Pow((i % 64 / 8) - 3, 2) + Math.Pow((i % 8) - 3, 2)) / 3) + (0.01 * rng.NextDouble())))], [2, 8, 8]));
        JobContext Context(JobRequest r) => new() { Request = r, Store = store, Progress = new Progress<JobProgress>(), Logger = NullLogger.Instance, Device = "cpu" };
        JobRequest Request(string kind, string output, string parameters) => new()
        {
            Id = kind + "-1", Kind = kind, Input = "data", Output = output, Model = "models/m.ckpt", Params = new JobParams(JsonNode.Parse(parameters)!.AsObject()),
        };
        Assert.Equal(JobOutcome.Completed, await new ScoreBatch.Jobs.Kinds.Score.ScoreJobHandler().RunAsync(Context(Request("score", "scored", """{ "likelihood": true, "probes": 2, "previews": 0 }""")), CancellationToken.None));
        Assert.Equal(JobOutcome.Completed, await new LikelihoodJobHandler().RunAsync(Context(Request("likelihood", "lkout", """{ "probes": 2 }""")), CancellationToken.None));
        var score = Encoding.UTF8.GetString(store.Get("scored/summary.csv")!).TrimEnd('\n').Split('\n');
        var likelihood = Encoding.UTF8.GetString(store.Get("lkout/likelihood.csv")!).TrimEnd('\n').Split('\n');
        Assert.EndsWith(",log_likelihood,bits_per_dim", score[0], StringComparison.Ordinal);
        for (var i = 1; i < 3; i++)
        {
            var s = score[i].Split(',');
            var l = likelihood[i].Split(',');
            Assert.Equal((l[1], l[3]), (s[^2], s[^1])); // same probes (fixed by the id), same batch: the same numbers
        }
        // without the param the header is unchanged
        Assert.Throws<JobValidationException>(() => new ScoreBatch.Jobs.Kinds.Score.ScoreJobHandler().Validate(Request("score", "scored2", """{ "probes": 2 }""")));
    }
}
