using System.Text.Json.Nodes;
using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Jobs.Diffusion;
using ScoreBatch.Jobs.Kinds.Likelihood;
using ScoreBatch.Jobs.Kinds.Sample;
using ScoreBatch.Jobs.Kinds.Score;
using ScoreBatch.Jobs.Kinds.Train;
using ScoreBatch.Jobs.Model;
using ScoreBatch.Jobs.Training;
using ScoreBatch.Storage.Formats;

namespace ScoreBatch.Jobs.Tests.Handlers;

/// <summary>The U-Net through the jobs: a train job with params.architecture "ncsnpp", then score, sample and likelihood jobs on its model.</summary>
public class NcsnppJobTests
{
    private static JobRequest Train(JsonObject parameters) => new()
    {
        Id = "job-u",
        Kind = "train",
        Input = "galaxies/train",
        Output = "runs/unet",
        Params = new JobParams(parameters),
    };

    private static JsonObject Tiny() => new()
    {
        ["architecture"] = "ncsnpp", ["size"] = 8, ["nf"] = 8, ["ch_mult"] = "1,2", ["res_blocks"] = 1, ["attn_resolution"] = 4,
        ["steps"] = 4, ["batch"] = 8, ["checkpoint_every"] = 0, ["warmup"] = 2, ["ema"] = 0.9, ["seed"] = 3, ["device"] = "cpu",
    };

    private static float[] Blobs(int count)
    {
        var pixels = new float[count * 64];
        for (var n = 0; n < count; n++)
            for (var r = 0; r < 8; r++)
                for (var c = 0; c < 8; c++)
                    pixels[n * 64 + r * 8 + c] = (float)Math.Exp(-((r - 3.5) * (r - 3.5) + (c - 3.5) * (c - 3.5)) / (1.0 + n % 5));
        return pixels;
    }

    [Fact]
    public async Task TrainThenScoreSampleLikelihood_Ncsnpp_RecordsArchitectureMeasuredSigmaMaxAndEmaAndRuns()
    {
        var store = new MemoryArtifactStore();
        store.Put("galaxies/train/stack.npy", Npy.ToBytes(Blobs(16), [16, 8, 8]));
        var outcome = await new TrainJobHandler().RunAsync(HandlerJobs.Context(store, Train(Tiny())), CancellationToken.None);
        Assert.Equal(JobOutcomeKind.Completed, outcome.Kind);

        var model = Checkpoint.Load(new MemoryStream(store.Get("runs/unet/model.ckpt")!), "model.ckpt");
        var h = model.Header;
        Assert.Equal(ScoreNetArchitectures.Ncsnpp, h.Architecture);
        Assert.Equal("1,2", h.Model.ChannelMultipliers);
        Assert.Equal(NoiseProcesses.Ve, h.ProcessOrDefault.Name);
        // sigma_max is the largest pairwise distance of the 16 blobs in model space (log1p / 0.1), not the default 50.
        using (var images = TorchSharp.torch.tensor(Blobs(16), [16, 1, 8, 8]))
        using (var modelSpace = new ScoreBatch.Jobs.Transforms.Log1pTransform().Forward(images))
            Assert.Equal(VeSigmaMax.LargestPairwiseDistance(modelSpace), h.ProcessOrDefault.Parameters["sigma_max"], 4);
        Assert.Equal(0.9, h.Trainer!.EmaDecay);
        Assert.Equal(2, h.Trainer.WarmupSteps);
        Assert.Equal(1.0, h.Trainer.GradientClipNorm);            // the ncsnpp recipe's default
        Assert.Equal(OptimizerNames.Adam, h.Trainer.Optimizer);
        Assert.Equal(TimeSampling.Uniform, h.Trainer.TimeSampling);

        // The final periodic checkpoint carries the raw weights and the average; model.ckpt holds the average.
        var last = Checkpoint.Load(new MemoryStream(store.Get("runs/unet/checkpoints/ckpt-00000004.ckpt")!), "ckpt");
        Assert.True(last.Header.EmaBytes > 0);
        using (var fromLast = last.CreateModel())
        using (var fromFinal = model.CreateModel())
            Assert.Equal(fromLast.parameters().SelectMany(p => p.data<float>().ToArray()), fromFinal.parameters().SelectMany(p => p.data<float>().ToArray()));

        store.Put("data/in/a.npy", Npy.ToBytes(Blobs(3), [3, 8, 8]));
        var score = new JobRequest
        {
            Id = "job-s", Kind = "score", Input = "data/in", Output = "data/out", Model = "runs/unet/model.ckpt",
            Params = new JobParams(new JsonObject { ["batch"] = 2, ["device"] = "cpu", ["previews"] = 0 }),
        };
        Assert.Equal(JobOutcome.Completed, await new ScoreJobHandler().RunAsync(HandlerJobs.Context(store, score), CancellationToken.None));
        var scores = Npy.Read(store.Get("data/out/scores/a.npy"), "a");
        Assert.Equal([3, 8, 8], scores.Shape);
        Assert.All(scores.Data, v => Assert.True(float.IsFinite(v)));

        // The sample job (VE predictor-corrector, the U-Net recipe's sampler) and the likelihood job on the same model.
        var sample = HandlerJobs.Request("sample", null, "samples/out", """{ "count": 3, "steps": 8, "batch": 3, "sampler": "pc", "seed": 2, "device": "cpu" }""")
            with { Model = "runs/unet/model.ckpt" };
        Assert.Equal(JobOutcome.Completed, await new SampleJobHandler().RunAsync(HandlerJobs.Context(store, sample), CancellationToken.None));
        var samples = Npy.Read(store.Get("samples/out/samples.npy"), "samples.npy");
        Assert.Equal([3, 8, 8], samples.Shape);
        Assert.All(samples.Data, v => Assert.True(float.IsFinite(v)));

        var likelihood = HandlerJobs.Request("likelihood", "data/in", "likelihood/out", """{ "probes": 1, "batch": 3, "rtol": 1e-3, "atol": 1e-3, "device": "cpu" }""")
            with { Model = "runs/unet/model.ckpt" };
        Assert.Equal(JobOutcome.Completed, await new LikelihoodJobHandler().RunAsync(HandlerJobs.Context(store, likelihood), CancellationToken.None));
        var rows = System.Text.Encoding.UTF8.GetString(store.Get("likelihood/out/likelihood.csv")!).TrimEnd('\n').Split('\n');
        Assert.Equal(4, rows.Length); // header + 3 cutouts
        Assert.All(rows.Skip(1), r => Assert.True(double.IsFinite(double.Parse(r.Split(',')[3], System.Globalization.CultureInfo.InvariantCulture)), r));
    }

    [Theory]
    [InlineData("width", 16, "params.width")]
    [InlineData("export_eqx", true, "params.export_eqx")]
    [InlineData("ch_mult", "1,x", "params.ch_mult")]
    [InlineData("attn_resolution", 3, "params.attn_resolution")]
    [InlineData("ema", 0.2, "params.ema")]
    [InlineData("architecture", "unet", "params.architecture")]
    [InlineData("precision", "bf16", "params.precision")]
    public void Validate_BadNcsnppParams_NameTheField(string name, object value, string field)
    {
        var p = Tiny();
        p[name] = JsonValue.Create(value);
        var parsed = JsonNode.Parse(p.ToJsonString())!.AsObject(); // as the runner gets params: parsed from text
        var e = Assert.Throws<JobValidationException>(() => new TrainJobHandler().Validate(Train(parsed)));
        Assert.Contains(field, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_MixerWithNcsnppParam_IsRefusedNamingIt()
    {
        var e = Assert.Throws<JobValidationException>(() => new TrainJobHandler().Validate(Train(new JsonObject { ["nf"] = 32 })));
        Assert.Contains("params.nf", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_VeWithSigmaMax_UsesItInsteadOfMeasuring()
    {
        var p = Tiny();
        p["process"] = "ve(sigma_max=12)";
        var args = TrainJobArgs.From(Train(p));
        Assert.False(args.SigmaMaxFromData);
        Assert.Equal(12, args.Process.Parameters["sigma_max"]);
        Assert.True(TrainJobArgs.From(Train(Tiny())).SigmaMaxFromData);
    }
}
