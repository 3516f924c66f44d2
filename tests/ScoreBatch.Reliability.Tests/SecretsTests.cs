using System.Net;
using System.Net.Sockets;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ScoreBatch.Reliability.Tests.Support;
using ScoreBatch.Storage.Hosting;
using ScoreBatch.Storage.Status;
using ScoreBatch.Tests.Shared;

namespace ScoreBatch.Reliability.Tests;

/// <summary>
/// Account keys and SAS signatures never reach logs, status.json or the poison queue, even when storage calls
/// fail and exceptions (with request URLs) are printed; production authenticates with a token credential.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class SecretsTests(AzuriteFixture azurite, ITestOutputHelper output) : IDisposable
{
    /// <summary>Base64 of 64 bytes: the shape of a real account key, made up for this test.</summary>
    private static readonly string FakeAccountKey = Convert.ToBase64String(Enumerable.Range(0, 64).Select(i => (byte)(i * 37 + 11)).ToArray());

    private const string FakeSignature = "Zm9yZ2VkU2lnbmF0dXJlRm9yU2NvcmVCYXRjaFRlc3Rz";

    private readonly DirectoryInfo _cache = Directory.CreateTempSubdirectory("scorebatch-secrets-");
    private readonly List<WorkerProcess> _workers = [];

    /// <summary>Every form in which <paramref name="secret"/> could leak: as is, URL-encoded, and its first 16 characters.</summary>
    private static string[] Forms(string secret) => [secret, Uri.EscapeDataString(secret), WebUtility.UrlEncode(secret), secret[..16]];

    [Fact]
    public async Task WorkerLogs_StorageUnreachableWithKeyOrSas_FailuresLoggedWithoutKeyOrSignature()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var ct = timeout.Token;
        var closed = ClosedPort();
        var endpoints = $"BlobEndpoint=http://127.0.0.1:{closed}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{closed}/devstoreaccount1;";
        var withKey = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={FakeAccountKey};{endpoints}";
        var withSas = $"{endpoints}SharedAccessSignature=sv=2025-01-05&ss=bq&srt=sco&sp=rwdlacup&se=2030-01-01T00:00:00Z&sig={FakeSignature}";
        foreach (var (name, connection) in new[] { ("key-worker", withKey), ("sas-worker", withSas) })
        {
            var settings = WorkerProcess.FastSettings(connection, "secrets-jobs", name, Path.Combine(_cache.FullName, name), TimeSpan.FromSeconds(10));
            settings["ScoreBatch:Resilience:MaxRetryAttempts"] = "1";
            settings["Logging:LogLevel:Default"] = "Debug";
            _workers.Add(WorkerProcess.Start(name, settings));
        }
        foreach (var w in _workers)
        {
            // Two failed rounds each: the exception, its inner exceptions and the request URLs are all printed.
            await w.WaitForLineAsync("processing a message failed", TimeSpan.FromSeconds(60), ct);
            while (w.CountLines("processing a message failed") < 2) await Task.Delay(100, ct);
            w.KillHard();
        }

        foreach (var w in _workers)
        {
            Assert.Contains("Connection refused", w.Output, StringComparison.Ordinal);
            foreach (var form in Forms(FakeAccountKey).Concat(Forms(FakeSignature)))
                Assert.False(w.Output.Contains(form, StringComparison.Ordinal), $"{w.Name} logged '{form}'");
        }
        output.WriteLine($"scanned {_workers.Sum(w => w.Lines.Count)} log lines of two failing workers: no key, no signature");
    }

    [Fact]
    public async Task WorkerRun_GoodAndFailingJobsOnAzurite_KeyAbsentFromLogsStatusAndPoison()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var ct = timeout.Token;
        var key = azurite.ConnectionString.Split(';').Single(p => p.StartsWith("AccountKey=", StringComparison.Ordinal))["AccountKey=".Length..];
        var probe = new StorageProbe(azurite.ConnectionString);
        var container = AzuriteFixture.UniqueName("secrets");
        var queue = AzuriteFixture.UniqueName("secrets");
        await probe.Store.WriteAsync($"{container}/model.ckpt", BinaryData.FromBytes(TinyPrior.Checkpoint()), overwrite: true, ct);
        await probe.Store.WriteAsync($"{container}/in/a.npy", BinaryData.FromBytes(TinyPrior.Cutouts(2)), overwrite: true, ct);
        await probe.Store.WriteAsync($"{container}/in-bad/nan.npy", BinaryData.FromBytes(TinyPrior.CutoutWithPixel(float.NaN)), overwrite: true, ct);
        string Job(string id, string input, string model) =>
            "{\"schema\":1,\"id\":\"" + id + "\",\"kind\":\"score\",\"input\":\"" + container + "/" + input + "\",\"output\":\"" + container + "/out/" + id
            + "\",\"model\":\"" + container + "/" + model + "\",\"params\":{\"previews\":0}}";
        var q = probe.Queues.GetQueue(queue);
        await q.SendAsync(Job("good", "in", "model.ckpt"), ct);
        await q.SendAsync(Job("nan", "in-bad", "model.ckpt"), ct);
        await q.SendAsync(Job("nomodel", "in", "missing.ckpt"), ct);
        await q.SendAsync("{\"schema\":1,\"id\":\"broken\",", ct);
        var settings = WorkerProcess.FastSettings(azurite.ConnectionString, queue, "secrets-run", _cache.FullName, TimeSpan.FromSeconds(10));
        settings["ScoreBatch:ExitWhenIdle"] = "true";
        settings["Logging:LogLevel:Default"] = "Debug";
        var w = WorkerProcess.Start("secrets-run", settings);
        _workers.Add(w);
        Assert.True(await w.WaitForExitAsync(TimeSpan.FromSeconds(60), ct), w.Tail());

        var texts = new List<(string Where, string Text)> { ("worker log", w.Output) };
        foreach (var id in new[] { "good", "nan", "nomodel" })
            texts.Add(($"status.json of {id}", (await probe.Status.GetAsync($"{container}/out/{id}", ct))!.ToJson()));
        var poison = await probe.Queues.GetQueue(queue + "-poison").ReceiveAsync(10, TimeSpan.FromSeconds(30), ct);
        texts.AddRange(poison.Select(m => ("poison message", m.Body)));

        Assert.Equal(3, poison.Count);
        Assert.Equal(JobState.Succeeded, (await probe.Status.GetAsync($"{container}/out/good", ct))!.State);
        foreach (var (where, text) in texts)
        {
            foreach (var form in Forms(key))
                Assert.False(text.Contains(form, StringComparison.Ordinal), $"{where} contains the account key ('{form}')");
            Assert.DoesNotContain("AccountKey", text, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public void StorageRegistration_ServiceUrisWithoutKey_ClientsUseTokenCredential()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ScoreBatch:Storage:BlobServiceUri"] = "https://scorebatchprod.blob.core.windows.net",
            ["ScoreBatch:Storage:QueueServiceUri"] = "https://scorebatchprod.queue.core.windows.net",
        }).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddScoreBatchStorage(config);
        using var sp = services.BuildServiceProvider();

        var blob = sp.GetRequiredService<BlobServiceClient>();
        var queue = sp.GetRequiredService<QueueServiceClient>();

        Assert.Equal(("scorebatchprod.blob.core.windows.net", "scorebatchprod.queue.core.windows.net"), (blob.Uri.Host, queue.Uri.Host));
        // A client holding an account key can sign SAS URLs; one built on DefaultAzureCredential cannot.
        Assert.False(blob.CanGenerateAccountSasUri);
        Assert.False(queue.CanGenerateAccountSasUri);
    }

    private static int ClosedPort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port; // closed again when disposed: connections are refused
    }

    public void Dispose()
    {
        foreach (var w in _workers) w.Dispose();
        _cache.Delete(recursive: true);
    }
}
