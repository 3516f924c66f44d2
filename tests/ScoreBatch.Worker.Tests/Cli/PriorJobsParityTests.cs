using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Storage.Abstractions;
using ScoreBatch.Storage.Formats;
using ScoreBatch.Storage.Status;
using ScoreBatch.Tests.Shared;
using ScoreBatch.Worker.Cli;
using ScoreBatch.Worker.Submission;

namespace ScoreBatch.Worker.Tests.Cli;

/// <summary>
/// The sample, likelihood and clean kinds on a real worker over Azurite (the host's own handler registrations), and
/// `scorebatch sample|likelihood|clean` on local folders: the same jobs succeed on the queue and write the same
/// outputs as the command line, byte for byte.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class PriorJobsParityTests(AzuriteFixture azurite) : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("scorebatch-prior-jobs-").FullName;
    private readonly string _queue = AzuriteFixture.UniqueName("prior");
    private readonly string _container = AzuriteFixture.UniqueName("prior");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>(kind, CLI flags, the same as params) of the three jobs, all tiny.</summary>
    private static readonly (string Kind, (string Flag, string Param, JsonNode Value)[] Flags)[] Jobs =
    [
        (JobKinds.Sample, [("--count", "count", 3), ("--steps", "steps", 4), ("--seed", "seed", 3), ("--device", "device", "cpu")]),
        (JobKinds.Likelihood, [("--probes", "probes", 2), ("--rtol", "rtol", 1e-2), ("--atol", "atol", 1e-2), ("--device", "device", "cpu")]),
        (JobKinds.Clean, [("--steps", "steps", 4), ("--frames", "frames", 3), ("--animations", "animations", 1), ("--device", "device", "cpu")]),
    ];

    [Fact]
    public async Task SampleLikelihoodClean_CliAndQueueOnAzurite_SucceedWithTheSameOutputs()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var ct = timeout.Token;
        using var host = ParityWorker.Build(azurite, _queue, _root, "prior-jobs");
        var store = host.Services.GetRequiredService<IArtifactStore>();

        // Two 8x8 stacks of round blobs with a little noise, as local files and as blobs; a tiny model trained on them.
        var data = Path.Combine(_root, "data");
        Directory.CreateDirectory(data);
        var rng = new Random(4);
        for (var f = 0; f < 2; f++)
        {
            var pixels = new float[3 * 64];
            for (var i = 0; i < pixels.Length; i++)
                pixels[i] = (float)(Math.Exp(-(Math.Pow((i % 64 / 8) - 3.5, 2) + Math.Pow((i % 8) - 3.5, 2)) / (2.0 + f)) + (0.01 * (rng.NextDouble() - 0.5)));
            var bytes = Npy.ToBytes(pixels, [3, 8, 8]);
            await File.WriteAllBytesAsync(Path.Combine(data, $"part-{f}.npy"), bytes, ct);
            await store.WriteAsync($"{_container}/data/part-{f}.npy", BinaryData.FromBytes(bytes), overwrite: true, ct);
        }
        var model = Path.Combine(_root, "model");
        Assert.Equal(0, await ScoreBatchCli.RunAsync(["train", "--data", data, "--out", model, "--size", "8", "--steps", "4", "--batch", "3", "--width", "16",
            "--blocks", "1", "--mlp-width", "16", "--checkpoint-every", "0", "--device", "cpu"]));
        var checkpoint = Path.Combine(model, "model.ckpt");
        await store.WriteAsync($"{_container}/model/model.ckpt", BinaryData.FromBytes(await File.ReadAllBytesAsync(checkpoint, ct)), overwrite: true, ct);

        var submitter = host.Services.GetRequiredService<JobSubmitter>();
        foreach (var (kind, flags) in Jobs)
        {
            string[] args = [kind, "--model", checkpoint, "--input", data, "--out", Path.Combine(_root, "cli-" + kind), .. flags.SelectMany(f => new[] { f.Flag, f.Value.ToString() })];
            Assert.Equal(0, await ScoreBatchCli.RunAsync(args));
            var parameters = new JsonObject();
            foreach (var (_, param, value) in flags) parameters[param] = value.DeepClone();
            await submitter.SubmitAsync(new JobRequest
            {
                Id = "prior-" + kind, Kind = kind, Input = $"{_container}/data", Output = $"{_container}/{kind}", Model = $"{_container}/model/model.ckpt",
                Params = new JobParams(parameters),
            }, base64: false, ct);
        }
        await host.StartAsync(ct);
        await host.WaitForShutdownAsync(ct);

        var status = host.Services.GetRequiredService<IStatusStore>();
        foreach (var (kind, _) in Jobs)
        {
            Assert.Equal(JobState.Succeeded, (await status.GetAsync($"{_container}/{kind}", ct))!.State);
            var queued = await ParityWorker.DownloadAsync(store, $"{_container}/{kind}", ct);
            var local = ParityWorker.ReadFolder(Path.Combine(_root, "cli-" + kind));
            Assert.Equal(local.Keys.Order(StringComparer.Ordinal), queued.Keys.Order(StringComparer.Ordinal));
            foreach (var (name, bytes) in local) Assert.True(bytes.SequenceEqual(queued[name]), $"{kind} output {name} differs");
        }
        var names = (await ParityWorker.DownloadAsync(store, $"{_container}/{JobKinds.Clean}", ct)).Keys.Order(StringComparer.Ordinal);
        Assert.Equal(["clean.csv", "cleaned/part-0.npy", "cleaned/part-1.npy", "frames/part-0.npy_0.gif", "frames/part-0.npy_0.png", "removed/part-0.npy", "removed/part-1.npy"], names);
        Assert.Contains("samples.npy", (await ParityWorker.DownloadAsync(store, $"{_container}/{JobKinds.Sample}", ct)).Keys);
        Assert.Contains("likelihood.csv", (await ParityWorker.DownloadAsync(store, $"{_container}/{JobKinds.Likelihood}", ct)).Keys);
    }
}
