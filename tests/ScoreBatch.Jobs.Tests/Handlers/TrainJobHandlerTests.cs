using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Jobs.Kinds.Train;
using ScoreBatch.Jobs.Training;
using ScoreBatch.Storage.Formats;
using ScoreBatch.Storage.InMemory;

namespace ScoreBatch.Jobs.Tests.Handlers;

public class TrainJobHandlerTests
{
    private const string Input = "galaxies/train";
    private const string Output = "runs/job-1";

    /// <summary>A tiny run: 8² images, one block; 12 steps with a checkpoint every 4.</summary>
    private static JobRequest Request(long steps = 12, string? model = null) => new()
    {
        Id = "job-1",
        Kind = "train",
        Input = Input,
        Output = Output,
        Model = model,
        Params = new JobParams(new JsonObject
        {
            ["size"] = 8, ["width"] = 16, ["blocks"] = 1, ["mlp_width"] = 32, ["steps"] = steps, ["batch"] = 8,
            ["checkpoint_every"] = 4, ["log_every"] = 2, ["seed"] = 7, ["lr"] = 1e-3, ["device"] = "cpu",
        }),
    };

    private static async Task<InMemoryArtifactStore> StoreWithGalaxiesAsync()
    {
        var store = new InMemoryArtifactStore();
        // 24 smooth, non-negative 6x6 blobs peaking at 1 (padded to 8x8 by the handler), as max-normalised galaxies are.
        var pixels = new float[24 * 36];
        for (var n = 0; n < 24; n++)
            for (var r = 0; r < 6; r++)
                for (var c = 0; c < 6; c++)
                    pixels[n * 36 + r * 6 + c] = (float)Math.Exp(-((r - 2.5) * (r - 2.5) + (c - 2.5) * (c - 2.5)) / (1.0 + n % 5));
        for (var n = 0; n < 24; n++)
        {
            var max = pixels.AsSpan(n * 36, 36).ToArray().Max();
            for (var i = 0; i < 36; i++) pixels[n * 36 + i] /= max;
        }
        await store.WriteAsync($"{Input}/stack.npy", BinaryData.FromBytes(Npy.ToBytes(pixels, [24, 6, 6])), overwrite: false, CancellationToken.None);
        return store;
    }

    private static JobContext Context(InMemoryArtifactStore store, JobRequest request, IProgress<JobProgress>? progress = null) => new()
    {
        Request = request,
        Store = store,
        Progress = progress ?? new Progress<JobProgress>(),
        Logger = NullLogger.Instance,
        Device = "cpu",
    };

    private static async Task<string> ReadTextAsync(InMemoryArtifactStore store, string path) =>
        (await store.ReadAsync(path, CancellationToken.None)).ToString();

    [Fact]
    public async Task RunAsync_TinyRun_WritesCheckpointsPointerLossCurveAndModel()
    {
        var store = await StoreWithGalaxiesAsync();
        var outcome = await new TrainJobHandler().RunAsync(Context(store, Request()), CancellationToken.None);

        Assert.Equal(JobOutcomeKind.Completed, outcome.Kind);
        // Checkpoints at 4, 8 and 12 and nothing else: the final step is a multiple of checkpoint_every.
        var names = new List<string>();
        await foreach (var a in store.ListAsync($"{Output}/checkpoints/", CancellationToken.None)) names.Add(a.Path[(Output.Length + 1)..]);
        Assert.Equal(["checkpoints/ckpt-00000004.ckpt", "checkpoints/ckpt-00000008.ckpt", "checkpoints/ckpt-00000012.ckpt", "checkpoints/latest.json"], names);
        Assert.Equal(12, CheckpointPointer.Parse(await ReadTextAsync(store, $"{Output}/checkpoints/latest.json"), "latest.json").Step);
        var history = LossHistory.Parse(await ReadTextAsync(store, $"{Output}/loss.csv"), "loss.csv");
        Assert.Equal(Enumerable.Range(1, 12).Select(i => (long)i), history.Steps);
        Assert.All(history.Losses, l => Assert.True(double.IsFinite(l) && l > 0, $"loss {l}"));
        Assert.NotNull(await store.GetInfoAsync($"{Output}/loss.png", CancellationToken.None));
        using var stream = (await store.ReadAsync($"{Output}/model.ckpt", CancellationToken.None)).ToStream();
        var model = Checkpoint.Load(stream, "model.ckpt");
        Assert.Equal(12, model.Header.Step);
        Assert.Equal(8, model.Header.Model.ImageSize);
    }

    [Fact]
    public async Task RunAsync_Bf16Precision_TrainsRecordsItAndAResumeMayNotChangeIt()
    {
        var store = await StoreWithGalaxiesAsync();
        var request = Request();
        request.Params.Node["precision"] = "bf16";
        Assert.Equal(JobOutcomeKind.Completed, (await new TrainJobHandler().RunAsync(Context(store, request), CancellationToken.None)).Kind);
        using (var stream = (await store.ReadAsync($"{Output}/model.ckpt", CancellationToken.None)).ToStream())
            Assert.Equal(TrainerOptions.Bf16, Checkpoint.Load(stream, "model.ckpt").Header.Trainer!.Precision);
        var history = LossHistory.Parse(await ReadTextAsync(store, $"{Output}/loss.csv"), "loss.csv");
        Assert.All(history.Losses, l => Assert.True(double.IsFinite(l) && l > 0, $"loss {l}"));

        var resume = Request(steps: 16, model: $"{Output}/checkpoints/ckpt-00000012.ckpt") with { Output = "runs/job-2" };
        resume.Params.Node["precision"] = "fp32";
        var e = await Assert.ThrowsAsync<JobValidationException>(() => new TrainJobHandler().RunAsync(Context(store, resume), CancellationToken.None));
        Assert.Equal("params.precision", e.Field);
    }

    [Fact]
    public async Task RunAsync_CancelledThenRedelivered_ResumesAndMatchesUninterruptedLossesExactly()
    {
        // Reference: one uninterrupted run.
        var reference = await StoreWithGalaxiesAsync();
        await new TrainJobHandler().RunAsync(Context(reference, Request()), CancellationToken.None);
        var expected = await ReadTextAsync(reference, $"{Output}/loss.csv");

        // Interrupted run: cancel once step 6 is reported (between checkpoints 4 and 8), as SIGTERM would.
        var store = await StoreWithGalaxiesAsync();
        using var cts = new CancellationTokenSource();
        var progress = new SynchronousProgress(p => { if (p.Unit == "steps" && p.Done >= 6) cts.Cancel(); });
        var first = await new TrainJobHandler().RunAsync(Context(store, Request(), progress), cts.Token);
        Assert.Equal(JobOutcomeKind.Snooze, first.Kind);
        var stoppedAt = CheckpointPointer.Parse(await ReadTextAsync(store, $"{Output}/checkpoints/latest.json"), "latest.json").Step;
        Assert.InRange(stoppedAt, 6, 11);
        Assert.Null(await store.GetInfoAsync($"{Output}/model.ckpt", CancellationToken.None));

        // Redelivery: continues from latest.json and ends with the same per-step losses, bit for bit.
        var second = await new TrainJobHandler().RunAsync(Context(store, Request()), CancellationToken.None);
        Assert.Equal(JobOutcomeKind.Completed, second.Kind);
        Assert.Equal(expected, await ReadTextAsync(store, $"{Output}/loss.csv"));
    }

    [Fact]
    public async Task RunAsync_ModelIsMissingCheckpoint_FailsValidationNamingModel()
    {
        var store = await StoreWithGalaxiesAsync();
        var e = await Assert.ThrowsAsync<JobValidationException>(() =>
            new TrainJobHandler().RunAsync(Context(store, Request(model: "models/none.ckpt")), CancellationToken.None));
        Assert.Equal("model", e.Field);
    }

    [Theory]
    [InlineData("steps", 0, "params.steps")]
    [InlineData("steps", 1_000_000_000_000, "params.steps")]
    [InlineData("batch", 0, "params.batch")]
    [InlineData("size", 100_000, "params.size")]
    [InlineData("size", 30, "params.size")]
    public void Validate_AbsurdNumbers_NameTheField(string name, long value, string field)
    {
        var request = Request();
        request.Params.Node[name] = value;
        var e = Assert.Throws<JobValidationException>(() => new TrainJobHandler().Validate(request));
        Assert.Equal(field, e.Field);
    }

    /// <summary>Reports on the caller's thread (Progress&lt;T&gt; posts to the thread pool, too late to cancel at a step).</summary>
    private sealed class SynchronousProgress(Action<JobProgress> report) : IProgress<JobProgress>
    {
        public void Report(JobProgress value) => report(value);
    }
}
