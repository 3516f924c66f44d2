using System.Text;
using ScoreBatch.Jobs.Anomaly;
using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Jobs.Kinds.Calibrate;
using ScoreBatch.Jobs.Kinds.Score;
using ScoreBatch.Jobs.Model;
using ScoreBatch.Jobs.Transforms;
using ScoreBatch.Storage.Formats;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Tests.Handlers;

/// <summary>The calibrate job and a score job that uses its calibration, on the in-memory store with a tiny prior.</summary>
public class CalibrateJobHandlerTests
{
    internal static byte[] Checkpoint(int seed)
    {
        manual_seed(seed);
        using var model = ScoreNetFactory.Create(TinyModels.Mixer8);
        using var stream = new MemoryStream();
        ScoreBatch.Jobs.Training.Checkpoint.FromModel(model, new Log1pTransform()).Save(stream);
        return stream.ToArray();
    }

    /// <summary>N 8x8 "galaxies": a centred Gaussian bump with N(0, 0.02²) noise.</summary>
    internal static byte[] Galaxies(int count, int seed)
    {
        var rng = new Random(seed);
        var pixels = new float[count * 64];
        for (int n = 0; n < count; n++)
            for (int k = 0; k < 64; k++)
            {
                double r2 = Math.Pow((k / 8) - 3, 2) + Math.Pow((k % 8) - 3, 2);
                double gauss = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
                pixels[(n * 64) + k] = (float)(Math.Exp(-r2 / 2) + (0.02 * gauss));
            }
        return Npy.ToBytes(pixels, [count, 8, 8]);
    }

    [Fact]
    public async Task Calibrate_ThenScore_WritesCalibrationAndAnomalyColumns()
    {
        var store = new MemoryArtifactStore();
        store.Put("models/m.ckpt", Checkpoint(1));
        store.Put("refs/clean.npy", Galaxies(12, 2));
        store.Put("data/test.npy", Galaxies(3, 3));
        var outcome = await new CalibrateJobHandler().RunAsync(HandlerJobs.Context(store, HandlerJobs.Request("calibrate", "refs", "cal", """{ "batch": 16, "fpr": 0.05 }""")), CancellationToken.None);
        Assert.Equal(JobOutcome.Completed, outcome);
        var calibration = AnomalyCalibration.Parse(store.Get("cal/calibration.json")!, "cal/calibration.json");
        Assert.Equal((12, 8, 12 * 8), (calibration.ReferenceCutouts, calibration.Augmentation, calibration.References.Length));
        Assert.Equal("estimate", calibration.Noise);
        Assert.Equal(0.05, calibration.FalsePositiveRate);

        var score = HandlerJobs.Request("score", "data", "out", """{ "calibration": "cal/calibration.json", "previews": 0, "batch": 2 }""");
        Assert.Equal(JobOutcome.Completed, await new ScoreJobHandler().RunAsync(HandlerJobs.Context(store, score), CancellationToken.None));
        var lines = Encoding.UTF8.GetString(store.Get("out/summary.csv")!).TrimEnd('\n').Split('\n');
        var header = lines[0].Split(',');
        int anomaly = Array.IndexOf(header, "anomaly"), p = Array.IndexOf(header, "p_value"), flag = Array.IndexOf(header, "anomalous");
        foreach (var row in lines.Skip(1).Select(l => l.Split(',')))
        {
            Assert.True(double.Parse(row[anomaly], System.Globalization.CultureInfo.InvariantCulture) >= 0);
            Assert.InRange(double.Parse(row[p], System.Globalization.CultureInfo.InvariantCulture), 0, 1);
            Assert.Contains(row[flag], new[] { "true", "false" });
        }
        Assert.Equal(4, lines.Length);

        // features.csv: the features behind each anomaly, in summary.csv's order; the calibration applied to a row
        // gives that row's anomaly back.
        var features = Encoding.UTF8.GetString(store.Get("out/features.csv")!).TrimEnd('\n').Split('\n');
        Assert.Equal("id," + string.Join(',', calibration.Features.Names()), features[0]);
        Assert.Equal(lines.Length, features.Length);
        for (int r = 1; r < lines.Length; r++)
        {
            var cells = features[r].Split(',');
            var summaryRow = lines[r].Split(',');
            Assert.Equal(summaryRow[0], cells[0]);
            var vector = cells.Skip(1).Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(double.Parse(summaryRow[anomaly], System.Globalization.CultureInfo.InvariantCulture), calibration.Apply(vector).Anomaly, 12);
        }
    }

    [Fact]
    public async Task Score_CalibrationOfAnotherModel_IsRefusedNamingIt()
    {
        var store = new MemoryArtifactStore();
        store.Put("models/m.ckpt", Checkpoint(1));
        store.Put("models/other.ckpt", Checkpoint(2));
        store.Put("refs/clean.npy", Galaxies(12, 2));
        store.Put("data/test.npy", Galaxies(2, 3));
        await new CalibrateJobHandler().RunAsync(HandlerJobs.Context(store, HandlerJobs.Request("calibrate", "refs", "cal", "{}")), CancellationToken.None);
        var score = HandlerJobs.Request("score", "data", "out", """{ "calibration": "cal/calibration.json", "previews": 0 }""") with { Model = "models/other.ckpt" };
        var e = await Assert.ThrowsAsync<JobValidationException>(() => new ScoreJobHandler().RunAsync(HandlerJobs.Context(store, score), CancellationToken.None));
        Assert.Equal("params.calibration", e.Field);
        Assert.Contains("was fitted with model 'models/m.ckpt'", e.Message, StringComparison.Ordinal);

        var conflicting = HandlerJobs.Request("score", "data", "out2", """{ "calibration": "cal/calibration.json", "noise": "none" }""");
        var e2 = await Assert.ThrowsAsync<JobValidationException>(() => new ScoreJobHandler().RunAsync(HandlerJobs.Context(store, conflicting), CancellationToken.None));
        Assert.Contains("was fitted with noise 'estimate', this job asks for 'none'", e2.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Calibrate_TooFewReferences_IsAValidationErrorOnInput()
    {
        var store = new MemoryArtifactStore();
        store.Put("models/m.ckpt", Checkpoint(1));
        store.Put("refs/clean.npy", Galaxies(4, 2));
        var e = await Assert.ThrowsAsync<JobValidationException>(() =>
            new CalibrateJobHandler().RunAsync(HandlerJobs.Context(store, HandlerJobs.Request("calibrate", "refs", "cal", "{}")), CancellationToken.None));
        Assert.Equal("input", e.Field);
        Assert.Contains("at least 10 clean reference cutouts, got 4", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Calibrate_ReferencesOverTheJobsCutoutLimit_AreRefusedNamingTheFile()
    {
        // The job's input limits apply to calibration references as to training and scoring inputs.
        var store = new MemoryArtifactStore();
        store.Put("models/m.ckpt", Checkpoint(1));
        store.Put("refs/clean.npy", Galaxies(12, 2));
        var context = HandlerJobs.Context(store, HandlerJobs.Request("calibrate", "refs", "cal", "{}"));
        context = new JobContext
        {
            Request = context.Request, Store = store, Progress = context.Progress, Logger = context.Logger, Device = "cpu",
            InputLimits = ScoreBatch.Storage.Formats.ArrayLimits.Default with { MaxCutouts = 5 },
        };
        var e = await Assert.ThrowsAsync<JobValidationException>(() => new CalibrateJobHandler().RunAsync(context, CancellationToken.None));
        Assert.Equal("refs/clean.npy", e.Field);
    }
}
