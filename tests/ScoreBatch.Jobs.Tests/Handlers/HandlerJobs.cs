using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Storage.Abstractions;

namespace ScoreBatch.Jobs.Tests.Handlers;

/// <summary>The requests and contexts the handler tests run jobs with: the CPU, no progress sink, no log.</summary>
internal static class HandlerJobs
{
    public static JobContext Context(IArtifactStore store, JobRequest request) => new()
    {
        Request = request,
        Store = store,
        Progress = new Progress<JobProgress>(),
        Logger = NullLogger.Instance,
        Device = "cpu",
    };

    /// <summary>A <paramref name="kind"/> job on the model at models/m.ckpt with <paramref name="parameters"/> as JSON.</summary>
    public static JobRequest Request(string kind, string? input, string output, string parameters) => new()
    {
        Id = kind + "-1",
        Kind = kind,
        Input = input,
        Output = output,
        Model = "models/m.ckpt",
        Params = new JobParams(JsonNode.Parse(parameters)!.AsObject()),
    };
}
