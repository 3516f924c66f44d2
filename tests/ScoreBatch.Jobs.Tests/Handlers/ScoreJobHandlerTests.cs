using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Jobs.Handlers;
using ScoreBatch.Jobs.Kinds.Score;
using ScoreBatch.Jobs.Model;
using ScoreBatch.Jobs.Scoring;
using ScoreBatch.Jobs.Training;
using ScoreBatch.Jobs.Transforms;
using ScoreBatch.Storage.Formats;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Tests.Handlers;

public class ScoreJobHandlerTests
{
    private const string ModelPath = "models/tiny.ckpt";

    /// <summary>Records progress synchronously (Progress&lt;T&gt; would post to the thread pool and race the asserts).</summary>
    private sealed class Recorder(Action<JobProgress>? onReport = null) : IProgress<JobProgress>
    {
        private readonly Lock _gate = new();
        public List<JobProgress> Reports { get; } = [];

        public void Report(JobProgress value)
        {
            lock (_gate) Reports.Add(value);
            onReport?.Invoke(value);
        }
    }

    private static byte[] TinyCheckpoint()
    {
        manual_seed(11);
        using var model = ScoreNetFactory.Create(TinyModels.Mixer8);
        using var stream = new MemoryStream();
        Checkpoint.FromModel(model, new Log1pTransform()).Save(stream);
        return stream.ToArray();
    }

    private static float[] Pixels(int count, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)rng.NextDouble()).ToArray();
    }

    private static MemoryArtifactStore StoreWithInputs()
    {
        var store = new MemoryArtifactStore();
        store.Put(ModelPath, TinyCheckpoint());
        store.Put("data/in/a.npy", Npy.ToBytes(Pixels(3 * 8 * 8, 1), [3, 8, 8]));   // stack of three 8x8
        store.Put("data/in/sub/b.npy", Npy.ToBytes(Pixels(7 * 7, 2), [7, 7]));      // one 7x7: padded (0, 1)
        store.Put("data/in/readme.txt", Encoding.UTF8.GetBytes("not a cutout"));    // ignored
        store.Put("data/in2/c.npy", Npy.ToBytes(Pixels(64, 3), [8, 8]));            // a sibling prefix: not input
        return store;
    }

    private static JobRequest Request(string input = "data/in", JsonObject? parameters = null, string? model = ModelPath) => new()
    {
        Id = "job-1",
        Kind = "score",
        Input = input,
        Output = "data/out",
        Model = model,
        Params = new JobParams(parameters ?? Json("""{ "batch": 2, "device": "cpu", "previews": 0 }""")),
    };

    /// <summary>Params as the runner gets them: parsed from message text.</summary>
    private static JsonObject Json(string text) => JsonNode.Parse(text)!.AsObject();

    private static JobContext Context(MemoryArtifactStore store, JobRequest request, IProgress<JobProgress>? progress = null) => new()
    {
        Request = request,
        Store = store,
        Progress = progress ?? new Recorder(),
        Logger = NullLogger.Instance,
        Device = "cpu",
    };

    [Fact]
    public async Task RunAsync_StackAndSingleImage_WritesInputShapedScoresEqualToScorerAndSummary()
    {
        var store = StoreWithInputs();
        var progress = new Recorder();
        var outcome = await new ScoreJobHandler().RunAsync(Context(store, Request(), progress), CancellationToken.None);
        Assert.Equal(JobOutcome.Completed, outcome);

        var a = Npy.Read(store.Get("data/out/scores/a.npy"), "a");
        var b = Npy.Read(store.Get("data/out/scores/sub/b.npy"), "b");
        Assert.Equal([3, 8, 8], a.Shape); // same shape as the input stack
        Assert.Equal([7, 7], b.Shape);    // a 2-D input gives a 2-D map, cropped back from 8x8
        Assert.Null(store.Get("data/out/scores/c.npy"));

        // The handler's maps are exactly what the scorer gives for the same checkpoint on the same engine (the
        // default, auto: ONNX Runtime for a mixer on the CPU).
        using var stream = new MemoryStream(store.Get(ModelPath)!);
        using var prior = ScoringModel.Load(stream, ModelPath, CPU);
        Assert.Equal(ScoringRuntime.Onnx, prior.UseRuntime(ScoringRuntime.Auto));
        var direct = prior.CreateScorer(new ScoringOptions()).Score(CutoutReader.Read("sub/b.npy", store.Get("data/in/sub/b.npy")), "sub/b.npy");
        Assert.Equal(direct[0].Score, b.Data);

        var lines = Encoding.UTF8.GetString(store.Get("data/out/summary.csv")!).TrimEnd('\n').Split('\n');
        Assert.Equal(ScoreSummaryCsv.Header, lines[0]);
        Assert.Equal(["a.npy#0", "a.npy#1", "a.npy#2", "sub/b.npy"], lines.Skip(1).Select(l => l.Split(',')[0]));
        Assert.Equal(ScoreSummaryCsv.FormatRow(direct[0].Summary), lines[4]);

        var last = progress.Reports[^1];
        Assert.Equal((4L, 4L, "cutouts"), (last.Done, last.Total, last.Unit));
    }

    [Fact]
    public async Task RunAsync_Redelivered_KeepsEarlierOutputsAndWritesNothing()
    {
        var store = StoreWithInputs();
        var handler = new ScoreJobHandler();
        await handler.RunAsync(Context(store, Request()), CancellationToken.None);
        int writes = store.Writes;
        var before = store.Get("data/out/scores/a.npy");
        var outcome = await handler.RunAsync(Context(store, Request()), CancellationToken.None);
        Assert.Equal(JobOutcome.Completed, outcome);
        Assert.Equal(writes, store.Writes); // every conditional write found its target: no duplicate outputs
        Assert.Equal(before, store.Get("data/out/scores/a.npy"));
        Assert.Equal(3, writes);            // a.npy, sub/b.npy, summary.csv
    }

    [Fact]
    public async Task RunAsync_SingleFileInput_ScoresJustThatFile()
    {
        var store = StoreWithInputs();
        await new ScoreJobHandler().RunAsync(Context(store, Request(input: "data/in/sub/b.npy")), CancellationToken.None);
        Assert.Equal(["data/out/scores/b.npy", "data/out/summary.csv"], store.Names().Where(n => n.StartsWith("data/out/", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task RunAsync_BareContainerInput_ListsItsFilesOutsideTheOutput()
    {
        // "data" names a container, not a file: it must be listed (a blob lookup of a bare container is an
        // invalid name), and the job's own outputs under data/out are not inputs. 5 cutouts: a.npy (3), sub/b.npy (1), in2/c.npy (1).
        var store = StoreWithInputs();
        var progress = new Recorder();
        await new ScoreJobHandler().RunAsync(Context(store, Request(input: "data"), progress), CancellationToken.None);
        Assert.NotNull(store.Get("data/out/scores/in/a.npy"));
        Assert.NotNull(store.Get("data/out/scores/in2/c.npy"));
        Assert.Equal(5L, progress.Reports[^1].Done);
    }

    [Fact]
    public async Task RunAsync_ManyFiles_FilesInFlightStayBounded()
    {
        // 40 single-image files through pipeline depths of 1: at most a handful are held at once (download ahead,
        // being scored, queued and being uploaded), so memory does not grow with the number of cutouts.
        var store = new MemoryArtifactStore { CountedReadPrefix = "data/many/" };
        store.Put(ModelPath, TinyCheckpoint());
        for (int i = 0; i < 40; i++) store.Put($"data/many/{i:D3}.npy", Npy.ToBytes(Pixels(64, i), [8, 8]));
        var handler = new ScoreJobHandler(new CutoutPipelineOptions(FilesAhead: 1, UploadsAhead: 1));
        await handler.RunAsync(Context(store, Request(input: "data/many", parameters: Json("""{ "batch": 1, "previews": 0 }"""))), CancellationToken.None);
        Assert.Equal(41, store.Names().Count(n => n.StartsWith("data/out/", StringComparison.Ordinal))); // 40 maps + summary
        Assert.InRange(store.MaxInFlight, 1, 6);
    }

    [Fact]
    public async Task RunAsync_ManyFiles_BytesAheadBoundTheFilesInFlight()
    {
        // Many files may download at once (FilesAhead 16), but never more listed bytes than BytesAhead (here about two
        // files) wait unscored: the byte budget, not the file count, bounds memory.
        var store = new MemoryArtifactStore { CountedReadPrefix = "data/many/" };
        store.Put(ModelPath, TinyCheckpoint());
        for (int i = 0; i < 40; i++) store.Put($"data/many/{i:D3}.npy", Npy.ToBytes(Pixels(64, i), [8, 8]));
        long fileBytes = Npy.ToBytes(Pixels(64, 0), [8, 8]).Length;
        var handler = new ScoreJobHandler(new CutoutPipelineOptions(FilesAhead: 16, UploadsAhead: 1, BytesAhead: 2 * fileBytes));
        await handler.RunAsync(Context(store, Request(input: "data/many", parameters: Json("""{ "batch": 1, "previews": 0 }"""))), CancellationToken.None);
        Assert.Equal(41, store.Names().Count(n => n.StartsWith("data/out/", StringComparison.Ordinal)));
        Assert.InRange(store.MaxInFlight, 1, 6);
    }

    [Fact]
    public async Task RunAsync_SmallFiles_ShareScoringPassesAndKeepFileOrder()
    {
        // 40 one-cutout files at batch 4: downloaded files are scored together (up to 8 batches), so there are far
        // fewer passes than files, and summary.csv still lists the cutouts in file order.
        var store = new MemoryArtifactStore();
        store.Put(ModelPath, TinyCheckpoint());
        for (int i = 0; i < 40; i++) store.Put($"data/small/{i:D3}.npy", Npy.ToBytes(Pixels(64, i), [8, 8]));
        var progress = new Recorder();
        await new ScoreJobHandler().RunAsync(
            Context(store, Request(input: "data/small", parameters: Json("""{ "batch": 4, "previews": 0 }""")), progress), CancellationToken.None);
        Assert.InRange(progress.Reports.Count, 2, 8); // one file per pass would be 40, a batch per pass 10
        Assert.Equal(40L, progress.Reports[^1].Done);
        var summary = System.Text.Encoding.UTF8.GetString(store.Get("data/out/summary.csv")!).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var sources = summary.Skip(1).Select(line => line.Split(',')[1]).ToArray();
        Assert.Equal(Enumerable.Range(0, 40).Select(i => $"{i:D3}.npy"), sources);
    }

    [Fact]
    public async Task RunAsync_SlowWrites_UploadsOverlapUpToTheLimitAndSummaryKeepsFileOrder()
    {
        // One-cutout files are bound by one write round trip each: with writes taking 40 ms, several overlap (at most
        // UploadsInFlight, 8 by default), and summary.csv still lists the cutouts in file order.
        var store = new MemoryArtifactStore { WriteDelay = TimeSpan.FromMilliseconds(40) };
        store.Put(ModelPath, TinyCheckpoint());
        for (int i = 0; i < 24; i++) store.Put($"data/slow/{i:D3}.npy", Npy.ToBytes(Pixels(64, i), [8, 8]));
        await new ScoreJobHandler().RunAsync(Context(store, Request(input: "data/slow", parameters: Json("""{ "batch": 4, "previews": 0 }"""))), CancellationToken.None);
        Assert.InRange(store.MaxConcurrentWrites, 3, new CutoutPipelineOptions().UploadsInFlight);
        var summary = System.Text.Encoding.UTF8.GetString(store.Get("data/out/summary.csv")!).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Enumerable.Range(0, 24).Select(i => $"{i:D3}.npy"), summary.Skip(1).Select(line => line.Split(',')[1]));
        Assert.Equal(25, store.Names().Count(n => n.StartsWith("data/out/", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task RunAsync_CorruptFile_ValidationErrorNamesIt()
    {
        var store = StoreWithInputs();
        store.Put("data/in/broken.npy", [1, 2, 3, 4]);
        var ex = await Assert.ThrowsAsync<JobValidationException>(() => new ScoreJobHandler().RunAsync(Context(store, Request()), CancellationToken.None));
        Assert.Equal("data/in/broken.npy", ex.Field);
        Assert.Null(store.Get("data/out/summary.csv"));
    }

    [Fact]
    public async Task RunAsync_NaNPixel_ValidationErrorNamesFileAndCutout()
    {
        var store = StoreWithInputs();
        var pixels = Pixels(3 * 8 * 8, 1);
        pixels[64 + 5] = float.NaN; // cutout #1
        store.Put("data/in/a.npy", Npy.ToBytes(pixels, [3, 8, 8]));
        var ex = await Assert.ThrowsAsync<JobValidationException>(() => new ScoreJobHandler().RunAsync(Context(store, Request()), CancellationToken.None));
        Assert.Equal("data/in/a.npy", ex.Field);
        Assert.Contains("a.npy#1", ex.Message);
        Assert.Contains("NaN", ex.Message);
    }

    [Fact]
    public async Task RunAsync_MissingModelOrNoInputs_ValidationErrorsNameField()
    {
        var store = StoreWithInputs();
        var noModel = await Assert.ThrowsAsync<JobValidationException>(() =>
            new ScoreJobHandler().RunAsync(Context(store, Request(model: "models/nope.ckpt")), CancellationToken.None));
        Assert.Equal("model", noModel.Field);
        Assert.Contains("models/nope.ckpt", noModel.Message);
        var noInput = await Assert.ThrowsAsync<JobValidationException>(() =>
            new ScoreJobHandler().RunAsync(Context(store, Request(input: "data/empty")), CancellationToken.None));
        Assert.Equal("input", noInput.Field);
    }

    [Fact]
    public async Task RunAsync_CancelledMidRun_StopsWithoutSummary()
    {
        var store = new MemoryArtifactStore();
        store.Put(ModelPath, TinyCheckpoint());
        for (int i = 0; i < 30; i++) store.Put($"data/in/{i:D3}.npy", Npy.ToBytes(Pixels(64, i), [8, 8]));
        using var cts = new CancellationTokenSource();
        var progress = new Recorder(p => { if (p.Done >= 2) cts.Cancel(); });
        var handler = new ScoreJobHandler(new CutoutPipelineOptions(FilesAhead: 1, UploadsAhead: 1));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            handler.RunAsync(Context(store, Request(parameters: Json("""{ "batch": 1, "previews": 0 }""")), progress), cts.Token));
        Assert.Null(store.Get("data/out/summary.csv"));
        Assert.True(progress.Reports[^1].Done < 30, $"ran to {progress.Reports[^1].Done} of 30 after cancellation");
    }

    [Theory]
    [InlineData("t", 0.0005, "params.t")]
    [InlineData("batch", 0, "params.batch")]
    [InlineData("threshold", -1, "params.threshold")]
    [InlineData("device", "tpu", "params.device")]
    [InlineData("log_jacobian", "yes", "params.log_jacobian")]
    public void Validate_BadParam_NamesField(string name, object value, string field)
    {
        var p = Json(new JsonObject { [name] = JsonValue.Create(value) }.ToJsonString());
        var ex = Assert.Throws<JobValidationException>(() => new ScoreJobHandler().Validate(Request(parameters: p)));
        Assert.Equal(field, ex.Field);
        Assert.Contains(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)!, ex.Message);
    }

    [Theory]
    [InlineData(null, "data/in", "model")]
    [InlineData("models", "data/in", "model")]          // a container is not a checkpoint
    [InlineData(ModelPath, "Data/in", "input")]         // upper-case container
    [InlineData(ModelPath, "data/../secret", "input")]  // escapes its prefix
    [InlineData(ModelPath, "", "input")]
    public void Validate_BadNames_NameField(string? model, string input, string field)
    {
        var ex = Assert.Throws<JobValidationException>(() => new ScoreJobHandler().Validate(Request(input: input, model: model)));
        Assert.Equal(field, ex.Field);
    }

    [Fact]
    public void Validate_Defaults_Accepted()
    {
        var args = ScoreJobArgs.From(Request(parameters: Json("{}")));
        Assert.Equal(0.02, args.Scoring.T);
        Assert.Null(args.Device); // falls back to the worker's device
        Assert.Equal("score", new ScoreJobHandler().Kind);
    }
}
