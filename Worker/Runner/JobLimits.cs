using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Storage.Formats;

namespace ScoreBatch.Worker.Runner;

/// <summary>
/// Upper bounds on what one message may ask of a worker (section "ScoreBatch:Limits", environment variables
/// SCOREBATCH__LIMITS__MAXSTEPS, ...). A queue accepts whatever any client sends, so every size a message can name
/// is bounded before work starts or before bytes are downloaded; a job over a limit is poisoned with an error that
/// names the field or file and the limit. Checked at start by <see cref="JobLimitsValidator"/>.
/// </summary>
public sealed record JobLimits
{
    public const string SectionName = JobLimitSettings.Section;

    /// <summary>Largest message body in UTF-8 bytes. 64 KiB: the Azure queue's own limit; messages carry names,
    /// never pixels, so a real job is a few hundred bytes.</summary>
    public int MaxMessageBytes { get; set; } = 64 * 1024;

    /// <summary>Largest cutout side in pixels (params.size and the H, W of every input array). 512: eight times
    /// the released 64² priors; one float32 cutout stays at 1 MiB.</summary>
    public int MaxCutoutSize { get; set; } = 512;

    /// <summary>Most cutouts one job may score. 10^6 cutouts of 64² is ~16 GB of float32 read over a job's life:
    /// hours of GPU work, past which a job should be split.</summary>
    public long MaxCutoutsPerJob { get; set; } = 1_000_000;

    /// <summary>Most optimiser steps one training job may ask for (params.steps). 10^7 is ~100x a full galaxy-prior run.</summary>
    public long MaxSteps { get; set; } = 10_000_000;

    /// <summary>Largest single file (cutouts, checkpoint) a job may download; checked on the blob's size before
    /// any byte is read. 1 GiB: a whole file is held in memory, and a 64² float32 stack of 65k cutouts fits.</summary>
    public long MaxDownloadBytesPerFile { get; set; } = 1L << 30;

    /// <summary>Most bytes one compressed file may inflate to (the members of an .npz, the images of a .fits.fz),
    /// checked on the declared sizes before anything is inflated. 1 GiB, as for a downloaded file: a 1.8 MB .npz
    /// that inflates to 2 GB is refused instead of costing 2 GB of memory.</summary>
    public long MaxDecompressedBytesPerFile { get; set; } = 1L << 30;

    /// <summary>What a handler holds params to as it parses them (params.steps, params.size).</summary>
    public JobParamLimits ToParamLimits() => new() { MaxSteps = MaxSteps, MaxCutoutSize = MaxCutoutSize };

    /// <summary>The limits the cutout readers check from every file's headers before allocating (all formats alike);
    /// the job-wide total of <see cref="MaxCutoutsPerJob"/> is the attempt's <see cref="CutoutBudget"/>.</summary>
    public ArrayLimits ToArrayLimits() => ArrayLimits.Default with
    {
        MaxCutoutSide = MaxCutoutSize,
        MaxCutouts = MaxCutoutsPerJob,
        MaxDecompressedBytes = MaxDecompressedBytesPerFile,
    };
}
