using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Tests.Shared;
using ScoreBatch.Worker.Hosting;
using ScoreBatch.Worker.Submission;
using ScoreBatch.Worker.Tests.Fakes;

namespace ScoreBatch.Worker.Tests;

/// <summary>The worker's metrics port on the real host against Azurite: scraped while a job runs and after it ends.</summary>
[Collection(AzuriteCollection.Name)]
public sealed partial class MetricsEndpointTests(AzuriteFixture azurite)
{
    private readonly string _queue = AzuriteFixture.UniqueName("metrics");
    private readonly string _container = AzuriteFixture.UniqueName("out");

    [Fact]
    public async Task MetricsPort_DuringAndAfterAJobOnAzurite_CountersMoveAndProbesAnswer()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var ct = timeout.Token;
        var port = FreePort();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var script = new HandlerScript
        {
            Run = async (c, t) =>
            {
                await release.Task.WaitAsync(t);
                await c.Store.WriteAsync(c.Request.Output + "/model.bin", BinaryData.FromBytes(new byte[16]), overwrite: false, t);
                return JobOutcome.Completed;
            },
        };
        var builder = WorkerHost.CreateBuilder(new Dictionary<string, string?>
        {
            ["ScoreBatch:Storage:ConnectionString"] = azurite.ConnectionString,
            ["ScoreBatch:QueueName"] = _queue,
            ["ScoreBatch:MinPollDelay"] = "00:00:00.05",
            ["ScoreBatch:MaxPollDelay"] = "00:00:00.2",
            ["ScoreBatch:CacheDirectory"] = Path.Combine(Path.GetTempPath(), "scorebatch-metrics-" + _queue),
            ["ScoreBatch:WorkerId"] = "metrics",
            ["ScoreBatch:Metrics:Port"] = port.ToString(CultureInfo.InvariantCulture),
            ["ScoreBatch:Metrics:Host"] = "localhost",
        }, services => services.AddJobHandler<FakeTrainHandler>());
        builder.Services.AddSingleton(script);
        using var host = builder.Build();
        using var http = new HttpClient { BaseAddress = new Uri($"http://localhost:{port}/") };

        await host.StartAsync(ct);
        try
        {
            var before = await ScrapeAsync(http, ct);
            await host.Services.GetRequiredService<JobSubmitter>().SubmitAsync(new JobRequest { Id = "m1", Kind = "train", Output = $"{_container}/m1" }, false, ct);
            await script.Started.Task.WaitAsync(ct);

            var during = await ScrapeAsync(http, ct);
            Assert.Equal(1, Value(during, "scorebatch_jobs_started_total", Mine) - Value(before, "scorebatch_jobs_started_total", Mine));
            Assert.True(Value(during, "scorebatch_queue_lag_seconds_count", $"queue=\"{_queue}\"") >= 1, "queue lag recorded at dequeue");
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("healthz", UriKind.Relative), ct)).StatusCode);
            var ready = await http.GetAsync(new Uri("readyz", UriKind.Relative), ct);
            Assert.Equal((HttpStatusCode.OK, "ready"), (ready.StatusCode, (await ready.Content.ReadAsStringAsync(ct)).Trim()));

            release.SetResult();
            var status = host.Services.GetRequiredService<Storage.Status.IStatusStore>();
            while ((await status.GetAsync($"{_container}/m1", ct))?.State != Storage.Status.JobState.Succeeded) await Task.Delay(50, ct);
            // The counters move after status.json (outcome writes first, then the message, then the duration): poll briefly.
            string after;
            while (Value(after = await ScrapeAsync(http, ct), "scorebatch_attempt_duration_seconds_count", [.. Mine, "outcome=\"succeeded\""]) < 1)
                await Task.Delay(50, ct);
            Assert.Equal(1, Value(after, "scorebatch_jobs_succeeded_total", Mine) - Value(before, "scorebatch_jobs_succeeded_total", Mine));
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
        // A stopped worker is never ready again: the probe path is gone (the exporter may still hold the port until disposal).
        using var fresh = new HttpClient { BaseAddress = http.BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        HttpStatusCode? afterStop = null;
        try
        {
            afterStop = (await fresh.GetAsync(new Uri("readyz", UriKind.Relative), CancellationToken.None)).StatusCode;
        }
        catch (HttpRequestException)
        {
            // refused: as good
        }
        Assert.NotEqual(HttpStatusCode.OK, afterStop);
    }

    /// <summary>Labels of this test's samples: the counters are process-wide, other tests' workers use other queues.</summary>
    private string[] Mine => ["kind=\"train\"", $"queue=\"{_queue}\""];

    private static async Task<string> ScrapeAsync(HttpClient http, CancellationToken ct)
    {
        var response = await http.GetAsync(new Uri("metrics", UriKind.Relative), ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync(ct);
    }

    /// <summary>The sum of the samples of <paramref name="metric"/> that carry every one of <paramref name="labels"/> (0 when none).</summary>
    private static double Value(string exposition, string metric, params string[] labels)
        => exposition.Split('\n')
            .Where(l => l.StartsWith(metric + "{", StringComparison.Ordinal) && labels.All(label => l.Contains(label, StringComparison.Ordinal)))
            .Sum(l => double.Parse(SampleValue().Match(l).Groups[1].Value, CultureInfo.InvariantCulture));

    [GeneratedRegex(@"\}\s+(\S+)")]
    private static partial Regex SampleValue();

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
