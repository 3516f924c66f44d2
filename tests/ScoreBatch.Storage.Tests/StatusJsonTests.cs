using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using ScoreBatch.Storage.Artifacts;
using ScoreBatch.Storage.Status;

namespace ScoreBatch.Storage.Tests;

/// <summary>status.json and _SUCCESS come from source-generated metadata; the text must be what reflection wrote.</summary>
public class StatusJsonTests
{
    private static readonly JsonSerializerOptions Reflection = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
    };

    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 12, 0, 0, TimeSpan.FromHours(1));

    [Fact]
    public void JobStatus_Json_IsTheReflectionTextAndRoundTrips()
    {
        var full = new JobStatus
        {
            JobId = "job-1", Kind = "score", State = JobState.Running, Attempt = 2,
            Progress = new JobStatusProgress(500, 2000, "cutouts", "1 of 4 files scored"),
            LastError = "blob-read: 503", ErrorField = "input", Retries = 3,
            CreatedAt = T0, UpdatedAt = T0.AddMinutes(1), StartedAt = T0.AddSeconds(5), FinishedAt = null, WorkerId = "vm-1",
        };
        var minimal = new JobStatus { JobId = "j", Kind = "train" };
        foreach (var status in new[] { full, minimal })
        {
            var json = status.ToJson();
            Assert.Equal(JsonSerializer.Serialize(status, Reflection), json);
            Assert.Equal(status, JobStatus.FromJson(json));
        }
        Assert.Contains("\"state\": \"running\"", full.ToJson(), StringComparison.Ordinal);
        Assert.DoesNotContain("finishedAt", full.ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public void Manifest_Json_IsTheReflectionTextAndRoundTrips()
    {
        var manifest = new OutputManifest("job-1", "score", T0, [new ManifestEntry("scores/a.npy", 4224, new string('a', 64))]);
        var json = manifest.ToJson();
        Assert.Equal(JsonSerializer.Serialize(manifest, Reflection), json);
        var back = OutputManifest.FromJson(json);
        Assert.Equal(manifest.Files.Single(), back.Files.Single());
        Assert.Equal((manifest.JobId, manifest.Kind, manifest.CompletedAt), (back.JobId, back.Kind, back.CompletedAt));
    }
}
