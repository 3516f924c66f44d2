using Microsoft.Extensions.Logging;
using ScoreBatch.Storage.Abstractions;
using ScoreBatch.Storage.Formats;

namespace ScoreBatch.Jobs.Contracts;

/// <summary>Everything a handler may touch while it runs one attempt of one job.</summary>
public sealed class JobContext
{
    public required JobRequest Request { get; init; }

    /// <summary>Where inputs are read and outputs written (blobs, or local files for the CLI).</summary>
    public required IArtifactStore Store { get; init; }

    /// <summary>Receives progress; the runner turns it into status.json updates and log lines.</summary>
    public required IProgress<JobProgress> Progress { get; init; }

    public required ILogger Logger { get; init; }

    /// <summary>1 on the first delivery of the message, 2 on the second, ...</summary>
    public int Attempt { get; init; } = 1;

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Requested device: "auto", "cpu" or "cuda".</summary>
    public string Device { get; init; } = "auto";

    /// <summary>Limits every cutout file is read under (cutout side and count, decompressed bytes), checked from its
    /// headers before any pixel buffer is allocated (JobCutoutReader in Jobs/Handlers); the worker sets them from ScoreBatch:Limits.</summary>
    public ArrayLimits InputLimits { get; init; } = ArrayLimits.Default;

    /// <summary>The attempt's job-wide count of input cutouts, charged by every reader of inputs; the worker sets its
    /// maximum from ScoreBatch:Limits:MaxCutoutsPerJob. Default: a fresh, unbounded count.</summary>
    public CutoutBudget Cutouts { get; init; } = new();

    /// <summary>Bounds on what params may ask (steps, size), applied as the handler parses the request's args; the
    /// worker sets them from ScoreBatch:Limits. Default <see cref="JobParamLimits.None"/>.</summary>
    public JobParamLimits ParamLimits { get; init; } = JobParamLimits.None;

    /// <summary>A local folder this worker may use for scratch files; never outside it.</summary>
    public string CacheDirectory { get; init; } = Path.Combine(Path.GetTempPath(), "scorebatch-cache");
}

/// <summary>Progress of a job: <paramref name="Done"/> of <paramref name="Total"/> units ("steps", "cutouts").</summary>
public sealed record JobProgress(long Done, long Total, string Unit, string? Message = null, IReadOnlyDictionary<string, double>? Metrics = null);
