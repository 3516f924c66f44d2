using System.Text.Json;
using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Jobs.Handlers;
using ScoreBatch.Jobs.Previews;
using ScoreBatch.Jobs.Scoring;
using ScoreBatch.Storage.Abstractions;

namespace ScoreBatch.Jobs.Kinds.Score.Split;

/// <summary>One input file of a part: full name, name relative to the parent's input (cutout ids and score map
/// names use it, so a split job names everything as the unsplit one would) and size as listed.</summary>
public sealed record SplitPlanFile(string Path, string Name, long Size);

/// <summary>
/// "&lt;output&gt;/_SPLIT": how a score job with params.split is cut into children, decided once by the first worker that
/// picks the parent up (from the input listing, sorted by name, in consecutive runs of at most
/// <see cref="FilesPerPart"/> files) and written with If-None-Match: *, so every later reader (a redelivered parent,
/// each child, the gather) sees the same assignment even if files are added under the input afterwards.
/// It also carries what the gather needs of the parent's params.
/// </summary>
/// <param name="JobId">The parent job.</param>
/// <param name="Input">The parent's input prefix (or file).</param>
/// <param name="FilesPerPart">params.split.</param>
/// <param name="Previews">params.previews: K for the combined previews.</param>
/// <param name="RankedBy">summary.csv column the combined summary and previews are ranked by ("anomaly" when calibrated, else "max_abs_score").</param>
/// <param name="Format">params.format of the score maps ("npy" or "fits").</param>
/// <param name="Parts">The files of each part, part 0 first.</param>
public sealed record SplitPlan(string JobId, string Input, int FilesPerPart, int Previews, string RankedBy, string Format,
    IReadOnlyList<IReadOnlyList<SplitPlanFile>> Parts)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = false };

    /// <summary>True when the job is calibrated (its children write features.csv).</summary>
    public bool Calibrated => RankedBy == AnomalyPreviews.RankedByAnomaly;

    /// <summary>The score maps' file format.</summary>
    public ScoreMapFormat MapFormat => Format == "fits" ? ScoreMapFormat.Fits : ScoreMapFormat.Npy;

    /// <summary>
    /// The plan of <paramref name="args"/> over <paramref name="files"/> (sorted by name, as listed). More than
    /// <see cref="SplitNames.MaxParts"/> parts is a validation error on params.split.
    /// </summary>
    public static SplitPlan Create(string jobId, ScoreJobArgs args, IReadOnlyList<InputFile> files)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(files);
        var per = args.Split ?? throw new ArgumentException("the job has no params.split", nameof(args));
        var ordered = files.OrderBy(f => f.Path, StringComparer.Ordinal).ToList();
        var count = (ordered.Count + per - 1) / per;
        if (count > SplitNames.MaxParts)
            throw new JobValidationException("params.split", $"{ordered.Count} input files in parts of {per} make {count} parts; at most {SplitNames.MaxParts} (raise params.split)");
        var parts = Enumerable.Range(0, count)
            .Select(p => (IReadOnlyList<SplitPlanFile>)[.. ordered.Skip(p * per).Take(per).Select(f => new SplitPlanFile(f.Path, f.RelativeName, f.Size))])
            .ToList();
        return new SplitPlan(jobId, args.Input, per, args.Previews, AnomalyPreviews.RankingFor(args.Calibration is not null),
            args.ScoreFormat == ScoreMapFormat.Fits ? "fits" : "npy", parts);
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Parses a plan; an unreadable one is an <see cref="InvalidDataException"/> naming <paramref name="path"/>.</summary>
    public static SplitPlan FromJson(string json, string path)
    {
        try
        {
            var plan = JsonSerializer.Deserialize<SplitPlan>(json, Json);
            return plan is { JobId.Length: > 0, Parts: not null, RankedBy: not null, Format: not null } ? plan
                : throw new InvalidDataException($"{path}: not a split plan");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a split plan ({e.Message})", e);
        }
    }

    /// <summary>The plan of the split job at <paramref name="parentOutput"/>, or null when none was written.</summary>
    public static async Task<SplitPlan?> ReadAsync(IArtifactStore store, string parentOutput, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(store);
        var path = SplitNames.PlanPath(parentOutput);
        var c = await store.TryReadAsync(path, ct).ConfigureAwait(false);
        return c is null ? null : FromJson(c.Content.ToString(), path);
    }

    /// <summary>Writes this plan unless one exists; returns the plan now on record (this one, or the one written first).</summary>
    public async Task<SplitPlan> WriteOnceAsync(IArtifactStore store, string parentOutput, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (await store.WriteAsync(SplitNames.PlanPath(parentOutput), BinaryData.FromString(ToJson()), overwrite: false, ct).ConfigureAwait(false))
            return this;
        return await ReadAsync(store, parentOutput, ct).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"'{SplitNames.PlanPath(parentOutput)}' existed a moment ago and is gone now.");
    }
}
