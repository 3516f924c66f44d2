using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Storage.Abstractions;
using ScoreBatch.Storage.Status;
using ScoreBatch.Tests.Shared;
using ScoreBatch.Worker.Hosting;
using ScoreBatch.Worker.Submission;
using ScoreBatch.Worker.Tests.Fakes;

namespace ScoreBatch.Worker.Tests;

/// <summary>Spot eviction on a VM scale set: the worker polls a fake Scheduled Events endpoint on loopback and drains on Preempt.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ScheduledEventsTests(AzuriteFixture azurite)
{
    private const string OtherVmTerminate = """{"EventId":"A1","EventType":"Terminate","ResourceType":"VirtualMachine","Resources":["vm_9"],"EventStatus":"Scheduled","NotBefore":"Mon, 01 Mar 2026 12:00:30 GMT"}""";
    private const string MyPreempt = """{"EventId":"B2","EventType":"Preempt","ResourceType":"VirtualMachine","Resources":["vm_7"],"EventStatus":"Scheduled","NotBefore":"Mon, 01 Mar 2026 12:00:30 GMT"}""";
    private const string Reboot = """{"EventId":"C3","EventType":"Reboot","ResourceType":"VirtualMachine","Resources":["vm_7"],"EventStatus":"Scheduled"}""";

    [Fact]
    public void FindDraining_Documents_OnlyPreemptOrTerminateOfThisVmCounts()
    {
        static string Doc(params string[] events) => $$"""{"DocumentIncarnation":3,"Events":[{{string.Join(",", events)}}]}""";
        Assert.Null(ScheduledEventsDocument.FindDraining(Doc(), "vm_7"));
        Assert.Null(ScheduledEventsDocument.FindDraining(Doc(OtherVmTerminate, Reboot), "vm_7"));
        Assert.Equal("Preempt (event B2, not before Mon, 01 Mar 2026 12:00:30 GMT)", ScheduledEventsDocument.FindDraining(Doc(OtherVmTerminate, MyPreempt), "vm_7"));
        Assert.StartsWith("Terminate (event A1", ScheduledEventsDocument.FindDraining(Doc(OtherVmTerminate), ""), StringComparison.Ordinal);
        Assert.ThrowsAny<System.Text.Json.JsonException>(() => ScheduledEventsDocument.FindDraining("<html>", ""));
    }

    [Fact]
    public async Task Worker_PreemptNoticeFromMetadataEndpoint_CheckpointsReleasesMessageAndStops()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var ct = timeout.Token;
        var queueName = AzuriteFixture.UniqueName("preempt");
        var output = $"{AzuriteFixture.UniqueName("out")}/p1";
        var events = new[] { OtherVmTerminate };
        using var metadata = new HttpListener();
        var port = FreePort();
        metadata.Prefixes.Add($"http://127.0.0.1:{port}/metadata/scheduledevents/");
        metadata.Start();
        var polls = 0;
        var serving = Task.Run(async () =>
        {
            while (metadata.IsListening)
            {
                HttpListenerContext c;
                try
                {
                    c = await metadata.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }
                Interlocked.Increment(ref polls);
                var ok = c.Request.Headers["Metadata"] == "true";
                var body = Encoding.UTF8.GetBytes(ok ? $$"""{"DocumentIncarnation":1,"Events":[{{string.Join(",", Volatile.Read(ref events))}}]}""" : "missing Metadata header");
                c.Response.StatusCode = ok ? 200 : 400;
                await c.Response.OutputStream.WriteAsync(body, CancellationToken.None);
                c.Response.Close();
            }
        }, CancellationToken.None);

        var script = new HandlerScript
        {
            Run = async (c, t) =>
            {
                try
                {
                    await Task.Delay(Timeout.Infinite, t);
                }
                catch (OperationCanceledException)
                {
                    await c.Store.WriteAsync(c.Request.Output + "/checkpoints/ckpt-00000003.ckpt", BinaryData.FromString("ckpt"), overwrite: false, CancellationToken.None);
                    return JobOutcome.Snooze("the worker is shutting down");
                }
                return JobOutcome.Completed;
            },
        };
        var builder = WorkerHost.CreateBuilder(new Dictionary<string, string?>
        {
            ["ScoreBatch:Storage:ConnectionString"] = azurite.ConnectionString,
            ["ScoreBatch:QueueName"] = queueName,
            ["ScoreBatch:MinPollDelay"] = "00:00:00.05",
            ["ScoreBatch:MaxPollDelay"] = "00:00:00.2",
            ["ScoreBatch:CacheDirectory"] = Path.Combine(Path.GetTempPath(), "scorebatch-preempt-" + queueName),
            ["ScoreBatch:WorkerId"] = "preempt",
            ["ScoreBatch:ScheduledEvents:Endpoint"] = $"http://127.0.0.1:{port}/metadata/scheduledevents?api-version=2020-07-01",
            ["ScoreBatch:ScheduledEvents:PollInterval"] = "00:00:00.2",
            ["ScoreBatch:ScheduledEvents:InstanceName"] = "vm_7",
        }, services => services.AddJobHandler<FakeTrainHandler>());
        builder.Services.AddSingleton(script);
        using var host = builder.Build();
        await host.Services.GetRequiredService<JobSubmitter>().SubmitAsync(new JobRequest { Id = "p1", Kind = "train", Output = output }, false, ct);
        await host.StartAsync(ct);
        await script.Started.Task.WaitAsync(ct);

        // Another VM's notice: this worker keeps running.
        var seen = Volatile.Read(ref polls);
        while (Volatile.Read(ref polls) < seen + 3) await Task.Delay(50, ct);
        Assert.False(script.LastToken.IsCancellationRequested);

        Volatile.Write(ref events, [OtherVmTerminate, MyPreempt]);
        await host.WaitForShutdownAsync(ct); // the host stops on its own
        metadata.Stop();
        await serving;

        var status = await host.Services.GetRequiredService<IStatusStore>().GetAsync(output, ct);
        Assert.Equal(JobState.Queued, status!.State);
        var store = host.Services.GetRequiredService<IArtifactStore>();
        Assert.NotNull(await store.GetInfoAsync(output + "/checkpoints/ckpt-00000003.ckpt", ct));
        // Released (visibility 0): the next worker can take it at once, as after SIGTERM.
        var again = Assert.Single(await host.Services.GetRequiredService<IJobQueueProvider>().GetQueue(queueName).ReceiveAsync(1, TimeSpan.FromSeconds(30), ct));
        Assert.Equal(2, again.DequeueCount);
        Assert.Contains("\"p1\"", again.Body, StringComparison.Ordinal);
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
