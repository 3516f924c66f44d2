using System.Text.Json;
using ScoreBatch.Jobs.Training;
using ScoreBatch.Storage.Formats;
using ScoreBatch.Tests.Shared;
using ScoreBatch.Worker.Cli;

namespace ScoreBatch.Worker.Tests.Cli;

/// <summary>`scorebatch train` and `scorebatch info` end to end on a tiny model (8², one block), in-process.</summary>
public sealed class TrainCommandTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("scorebatch-train-cli-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    private string WriteGalaxies()
    {
        // 16 round 7x7 blobs peaking at 1, padded to 8x8 by the command (odd gap: extra pixel on the high side).
        var pixels = new float[16 * 49];
        for (var n = 0; n < 16; n++)
            for (var r = 0; r < 7; r++)
                for (var c = 0; c < 7; c++)
                    pixels[n * 49 + r * 7 + c] = (float)Math.Exp(-((r - 3) * (r - 3) + (c - 3) * (c - 3)) / (1.0 + n % 4));
        var path = Path.Combine(root, "galaxies.npy");
        File.WriteAllBytes(path, Npy.ToBytes(pixels, [16, 7, 7]));
        return path;
    }

    private static string[] Train(string data, string output, params string[] extra) =>
        ["train", "--data", data, "--out", output, "--size", "8", "--steps", "6", "--batch", "4", "--width", "32",
            "--blocks", "1", "--mlp-width", "16", "--checkpoint-every", "3", "--log-every", "3", "--device", "cpu", "--seed", "5", .. extra];

    [Fact]
    public async Task Train_TinyRun_WritesCheckpointsPointerLossCsvAndModel_AndResumeReproducesLosses()
    {
        var data = WriteGalaxies();
        var first = Path.Combine(root, "first");
        Assert.Equal(0, await ScoreBatchCli.RunAsync(Train(data, first)));

        Assert.True(File.Exists(Path.Combine(first, "checkpoints", "ckpt-00000003.ckpt")));
        Assert.True(File.Exists(Path.Combine(first, "checkpoints", "ckpt-00000006.ckpt")));
        using (var pointer = JsonDocument.Parse(File.ReadAllText(Path.Combine(first, "checkpoints", "latest.json"))))
        {
            Assert.Equal("ckpt-00000006.ckpt", pointer.RootElement.GetProperty("checkpoint").GetString());
            Assert.Equal(6, pointer.RootElement.GetProperty("step").GetInt64());
        }
        var losses = File.ReadAllLines(Path.Combine(first, "loss.csv"));
        Assert.Equal(["step", "1", "2", "3", "4", "5", "6"], losses.Select(l => l.Split(',')[0]));
        var model = Checkpoint.Load(Path.Combine(first, "model.ckpt"));
        Assert.Equal((6L, 8, null as string), (model.Header.Step, model.Header.Model.ImageSize, model.Header.Optimizer));
        Assert.Equal("log1p", model.Header.Transform.Name);

        // Resume from step 3 into a second folder: steps 4..6 must repeat the first run's losses exactly.
        var second = Path.Combine(root, "second");
        Assert.Equal(0, await ScoreBatchCli.RunAsync(
            ["train", "--data", data, "--out", second, "--resume", Path.Combine(first, "checkpoints", "ckpt-00000003.ckpt"),
                "--checkpoint-every", "0", "--device", "cpu"]));
        var resumed = File.ReadAllLines(Path.Combine(second, "loss.csv"));
        Assert.Equal(losses[4..], resumed[1..]);
    }

    [Fact]
    public async Task Info_Checkpoint_ReturnsZero_AndNotACheckpoint_ReturnsTwo()
    {
        var data = WriteGalaxies();
        var output = Path.Combine(root, "run");
        Assert.Equal(0, await ScoreBatchCli.RunAsync(Train(data, output)));
        Assert.Equal(0, await ScoreBatchCli.RunAsync(["info", Path.Combine(output, "model.ckpt")]));
        Assert.Equal(2, await ScoreBatchCli.RunAsync(["info", data]));
    }

    [Fact]
    public async Task Train_CutoutLargerThanModel_ReturnsTwo()
    {
        // 7x7 cutouts do not fit a 4x4 model: an error naming the cutout (exit 2), no training.
        var data = WriteGalaxies();
        Assert.Equal(2, await ScoreBatchCli.RunAsync(["train", "--data", data, "--out", Path.Combine(root, "x"), "--size", "4", "--device", "cpu"]));
    }

    private static Task<(int Code, string Error)> RunCapturingErrorAsync(params string[] args) =>
        ConsoleCapture.ErrorAsync(() => ScoreBatchCli.RunAsync(args));

    [Fact]
    public async Task Train_IntoUsedFolder_RefusedUnlessOverwriteWhichEmptiesItFirst()
    {
        var data = WriteGalaxies();
        var output = Path.Combine(root, "run");
        Assert.Equal(0, await ScoreBatchCli.RunAsync(Train(data, output)));
        File.WriteAllText(Path.Combine(output, "stale.txt"), "from another run");
        var model = File.ReadAllBytes(Path.Combine(output, "model.ckpt"));

        var (refused, error) = await RunCapturingErrorAsync(Train(data, output));
        Assert.Equal(2, refused);
        Assert.Contains("--out:", error, StringComparison.Ordinal);
        Assert.Contains("pass --overwrite", error, StringComparison.Ordinal);
        Assert.Equal(model, File.ReadAllBytes(Path.Combine(output, "model.ckpt")));

        Assert.Equal(0, await ScoreBatchCli.RunAsync(Train(data, output, "--overwrite")));
        Assert.False(File.Exists(Path.Combine(output, "stale.txt")));
        Assert.True(File.Exists(Path.Combine(output, "model.ckpt")));
    }

    [Fact]
    public async Task Train_ResumeFromCheckpointInsideOut_ContinuesThereWithoutOverwrite_AndOverwriteIsRefused()
    {
        var data = WriteGalaxies();
        var output = Path.Combine(root, "run");
        Assert.Equal(0, await ScoreBatchCli.RunAsync(Train(data, output)));
        var checkpoint = Path.Combine(output, "checkpoints", "ckpt-00000003.ckpt");

        Assert.Equal(0, await ScoreBatchCli.RunAsync(["train", "--data", data, "--out", output, "--resume", checkpoint, "--device", "cpu"]));
        var (refused, error) = await RunCapturingErrorAsync("train", "--data", data, "--out", output, "--resume", checkpoint, "--device", "cpu", "--overwrite");
        Assert.Equal(2, refused);
        Assert.Contains("would delete --resume", error, StringComparison.Ordinal);
        Assert.True(File.Exists(checkpoint));
    }

    [Fact]
    public async Task Train_ResumeWithFlagsTheCheckpointFixes_DifferentRefusedNamingFlag_SameAccepted()
    {
        var data = WriteGalaxies();
        var output = Path.Combine(root, "run");
        Assert.Equal(0, await ScoreBatchCli.RunAsync(Train(data, output)));
        var checkpoint = Path.Combine(output, "checkpoints", "ckpt-00000003.ckpt");

        foreach (var (flag, value) in new[] { ("--batch", "8"), ("--lr", "0.01"), ("--optimizer", "adam"), ("--width", "64") })
        {
            var (code, error) = await RunCapturingErrorAsync("train", "--data", data, "--out", Path.Combine(root, "r" + flag), "--resume", checkpoint, "--device", "cpu", flag, value);
            Assert.Equal(2, code);
            Assert.StartsWith($"train: {flag} is {value} but {checkpoint} was trained with {flag} ", error, StringComparison.Ordinal);
            Assert.Single(error.Trim().Split('\n'));
        }
        Assert.Equal(0, await ScoreBatchCli.RunAsync(["train", "--data", data, "--out", Path.Combine(root, "same"), "--resume", checkpoint, "--device", "cpu", "--batch", "4", "--width", "32"]));
    }

    [Fact]
    public async Task Train_ArchNcsnpp_WritesAUNetUnderVeWithEma_AndMixerFlagIsRefusedNamingIt()
    {
        var data = WriteGalaxies();
        var output = Path.Combine(root, "unet");
        Assert.Equal(0, await ScoreBatchCli.RunAsync(["train", "--data", data, "--out", output, "--arch", "ncsnpp", "--size", "8", "--nf", "8",
            "--ch-mult", "1,2", "--res-blocks", "1", "--attn-resolution", "4", "--steps", "3", "--batch", "4", "--warmup", "2", "--ema", "0.9",
            "--checkpoint-every", "0", "--device", "cpu"]));
        var model = Checkpoint.Load(Path.Combine(output, "model.ckpt"));
        Assert.Equal("ncsnpp", model.Header.Architecture);
        Assert.Equal("ve", model.Header.ProcessOrDefault.Name);
        Assert.Equal(0.9, model.Header.Trainer!.EmaDecay);
        var (code, error) = await RunCapturingErrorAsync("train", "--data", data, "--out", Path.Combine(root, "bad"), "--arch", "ncsnpp", "--width", "16", "--device", "cpu");
        Assert.Equal(2, code);
        Assert.Contains("--width", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Train_BadBatch_OneLineNamingTheFlag()
    {
        var (code, error) = await RunCapturingErrorAsync("train", "--data", WriteGalaxies(), "--out", Path.Combine(root, "x"), "--batch", "0", "--device", "cpu");
        Assert.Equal(2, code);
        Assert.Equal("train: --batch must be between 1 and 65536, got 0", error.Trim());
    }

    [Fact]
    public async Task Score_IntoUsedFolder_RefusedUnlessOverwrite_WhichDropsStaleMaps()
    {
        var data = WriteGalaxies();
        var run = Path.Combine(root, "run");
        Assert.Equal(0, await ScoreBatchCli.RunAsync(Train(data, run)));
        var model = Path.Combine(run, "model.ckpt");
        var scores = Path.Combine(root, "scores");
        string[] Score(params string[] extra) => ["score", "--model", model, "--input", data, "--out", scores, "--device", "cpu", "--previews", "0", .. extra];
        Assert.Equal(0, await ScoreBatchCli.RunAsync(Score()));
        var stale = Path.Combine(scores, "scores", "old-file.npy");
        File.WriteAllText(stale, "stale map of an earlier run");

        Assert.Equal(2, await ScoreBatchCli.RunAsync(Score()));
        Assert.True(File.Exists(stale));
        Assert.Equal(0, await ScoreBatchCli.RunAsync(Score("--overwrite")));
        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(Path.Combine(scores, "summary.csv")));
    }

    [Fact]
    public async Task Calibrate_ThenScoreWithIt_WritesTheFileNamedByOut_AndAnomalyColumns_LeavingTheRunFolderAlone()
    {
        var data = WriteGalaxies();
        var run = Path.Combine(root, "run");
        Assert.Equal(0, await ScoreBatchCli.RunAsync(Train(data, run)));
        var before = Directory.EnumerateFileSystemEntries(run, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
        var calibration = Path.Combine(run, "my-cal.json");
        Assert.Equal(0, await ScoreBatchCli.RunAsync(["calibrate", "--model", Path.Combine(run, "model.ckpt"), "--input", data, "--out", calibration, "--no-augment", "--device", "cpu"]));
        Assert.Equal([.. before, calibration], Directory.EnumerateFileSystemEntries(run, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal));

        var scores = Path.Combine(root, "scores");
        Assert.Equal(0, await ScoreBatchCli.RunAsync(["score", "--model", Path.Combine(run, "model.ckpt"), "--calibration", calibration, "--input", data, "--out", scores, "--device", "cpu", "--previews", "0"]));
        var rows = File.ReadAllLines(Path.Combine(scores, "summary.csv"));
        var anomaly = Array.IndexOf(rows[0].Split(','), "anomaly");
        Assert.Equal(17, rows.Length);
        Assert.All(rows[1..], r => Assert.True(double.IsFinite(double.Parse(r.Split(',')[anomaly], System.Globalization.CultureInfo.InvariantCulture))));

        var (code, error) = await RunCapturingErrorAsync("calibrate", "--model", Path.Combine(run, "model.ckpt"), "--input", data, "--out", calibration, "--fpr", "0.9");
        Assert.Equal(2, code);
        Assert.Equal("calibrate: --fpr must be between 0.0001 and 0.5, got 0.9", error.Trim());
    }

    [Fact]
    public async Task Score_TOutOfRange_OneLineNamingTheFlag()
    {
        var (code, error) = await RunCapturingErrorAsync("score", "--model", "m.ckpt", "--input", root, "--out", Path.Combine(root, "o"), "--t", "0.0005");
        Assert.Equal(2, code);
        Assert.StartsWith("score: --t must be a finite time of at least 0.001, got 0.0005", error, StringComparison.Ordinal);
        Assert.Single(error.Trim().Split('\n'));
    }
}
