using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Jobs.Training;
using ScoreBatch.Storage.Abstractions;
using ScoreBatch.Storage.Formats;
using ScoreBatch.Storage.Status;
using ScoreBatch.Tests.Shared;
using ScoreBatch.Worker.Cli;
using ScoreBatch.Worker.Submission;

namespace ScoreBatch.Worker.Tests.Cli;

/// <summary>
/// `scorebatch train` and `score` run the queue's handlers on local folders: the same job through the CLI and
/// through a real worker on Azurite writes the same outputs, byte for byte (checkpoints: the same bytes but for the
/// time each was written).
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class CliQueueParityTests(AzuriteFixture azurite) : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("scorebatch-parity-").FullName;
    private readonly string _queue = AzuriteFixture.UniqueName("parity");
    private readonly string _container = AzuriteFixture.UniqueName("parity");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static readonly (string Flag, string Param, JsonNode Value)[] TrainFlags =
    [
        ("--size", "size", 8), ("--steps", "steps", 6), ("--batch", "batch", 4), ("--width", "width", 32), ("--blocks", "blocks", 1),
        ("--mlp-width", "mlp_width", 16), ("--checkpoint-every", "checkpoint_every", 3), ("--log-every", "log_every", 3),
        ("--seed", "seed", 5), ("--device", "device", "cpu"),
    ];

    /// <summary>Three .npy stacks of round blobs (7x7, padded to the model's 8x8), as local files and as blobs.</summary>
    private async Task<string> WriteDataAsync(IArtifactStore store, CancellationToken ct)
    {
        var folder = Path.Combine(_root, "data");
        Directory.CreateDirectory(folder);
        for (var f = 0; f < 3; f++)
        {
            var pixels = new float[6 * 49];
            for (var n = 0; n < 6; n++)
                for (var r = 0; r < 7; r++)
                    for (var c = 0; c < 7; c++)
                        pixels[n * 49 + r * 7 + c] = (float)Math.Exp(-((r - 3 + f % 2) * (r - 3) + (c - 3) * (c - 3 + n % 3)) / (1.0 + n % 4 + f));
            var bytes = Npy.ToBytes(pixels, [6, 7, 7]);
            await File.WriteAllBytesAsync(Path.Combine(folder, $"part-{f}.npy"), bytes, ct);
            await store.WriteAsync($"{_container}/data/part-{f}.npy", BinaryData.FromBytes(bytes), overwrite: true, ct);
        }
        return folder;
    }

    [Fact]
    public async Task TrainAndScore_CliAndQueueOnAzurite_WriteTheSameOutputs()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var ct = timeout.Token;
        using var host = ParityWorker.Build(azurite, _queue, _root, "parity");
        var store = host.Services.GetRequiredService<IArtifactStore>();
        var data = await WriteDataAsync(store, ct);

        // The command line: train, then score the training data with the model it wrote.
        var cliTrain = Path.Combine(_root, "cli-train");
        var cliScore = Path.Combine(_root, "cli-score");
        Assert.Equal(0, await ScoreBatchCli.RunAsync(["train", "--data", data, "--out", cliTrain, .. TrainFlags.SelectMany(f => new[] { f.Flag, f.Value.ToString() })]));
        Assert.Equal(0, await ScoreBatchCli.RunAsync(["score", "--model", Path.Combine(cliTrain, "model.ckpt"), "--input", data, "--out", cliScore, "--device", "cpu", "--previews", "3"]));

        // The queue: the same two jobs; the score job reads the CLI's model, so both score with the same weights.
        var trainParams = new JsonObject();
        foreach (var (_, param, value) in TrainFlags) trainParams[param] = value.DeepClone();
        await store.WriteAsync($"{_container}/cli-model/model.ckpt", BinaryData.FromBytes(await File.ReadAllBytesAsync(Path.Combine(cliTrain, "model.ckpt"), ct)), overwrite: true, ct);
        var submitter = host.Services.GetRequiredService<JobSubmitter>();
        await submitter.SubmitAsync(new JobRequest { Id = "parity-train", Kind = JobKinds.Train, Input = $"{_container}/data", Output = $"{_container}/train", Params = new JobParams(trainParams) }, base64: false, ct);
        await submitter.SubmitAsync(new JobRequest
        {
            Id = "parity-score", Kind = JobKinds.Score, Input = $"{_container}/data", Output = $"{_container}/score", Model = $"{_container}/cli-model/model.ckpt",
            Params = new JobParams(new JsonObject { ["device"] = "cpu", ["previews"] = 3 }),
        }, base64: false, ct);
        await host.StartAsync(ct);
        await host.WaitForShutdownAsync(ct);
        var status = host.Services.GetRequiredService<IStatusStore>();
        Assert.Equal(JobState.Succeeded, (await status.GetAsync($"{_container}/train", ct))!.State);
        Assert.Equal(JobState.Succeeded, (await status.GetAsync($"{_container}/score", ct))!.State);

        var queueTrain = await ParityWorker.DownloadAsync(store, $"{_container}/train", ct);
        var queueScore = await ParityWorker.DownloadAsync(store, $"{_container}/score", ct);
        var localTrain = ParityWorker.ReadFolder(cliTrain);
        var localScore = ParityWorker.ReadFolder(cliScore);

        // Score: every file the handler writes, byte for byte (status.json, _OWNER and _SUCCESS are the runner's).
        Assert.Equal(localScore.Keys.Order(StringComparer.Ordinal), queueScore.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("summary.csv", localScore.Keys);
        Assert.Equal(3, localScore.Keys.Count(k => k.StartsWith("scores/", StringComparison.Ordinal)));
        foreach (var (name, bytes) in localScore) Assert.True(bytes.SequenceEqual(queueScore[name]), $"score output {name} differs");

        // Train: the same files; loss log and plot byte for byte, checkpoints equal but for when they were written.
        Assert.Equal(localTrain.Keys.Order(StringComparer.Ordinal), queueTrain.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["checkpoints/ckpt-00000003.ckpt", "checkpoints/ckpt-00000006.ckpt", "checkpoints/latest.json", "loss.csv", "loss.png", "model.ckpt"],
            localTrain.Keys.Order(StringComparer.Ordinal));
        foreach (var name in new[] { "loss.csv", "loss.png" }) Assert.True(localTrain[name].SequenceEqual(queueTrain[name]), $"train output {name} differs");
        foreach (var name in localTrain.Keys.Where(k => k.EndsWith(".ckpt", StringComparison.Ordinal)))
        {
            var (local, queued) = (Checkpoint.Load(new MemoryStream(localTrain[name]), name), Checkpoint.Load(new MemoryStream(queueTrain[name]), name));
            Assert.Equal(WithoutTime(local.Header), WithoutTime(queued.Header));
            Assert.True(local.ModelState.SequenceEqual(queued.ModelState), $"{name}: weights differ");
            Assert.True(local.OptimizerState.SequenceEqual(queued.OptimizerState), $"{name}: optimiser state differs");
        }
        using var pointer = JsonDocument.Parse(localTrain["checkpoints/latest.json"]);
        Assert.Equal("ckpt-00000006.ckpt", pointer.RootElement.GetProperty("checkpoint").GetString());
    }

    private static string WithoutTime(CheckpointHeader header) => JsonSerializer.Serialize(header with { CreatedUtc = default });
}
