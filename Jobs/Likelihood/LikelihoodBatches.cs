using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Jobs.Handlers;
using ScoreBatch.Jobs.Scoring;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Likelihood;

/// <summary>
/// The likelihood compute stage shared by likelihood jobs and score jobs with params.likelihood: each file's cutouts in
/// batches of <c>batch</c>, one result list per file in file and cutout order. A cutout
/// of another size than the model's, or with pixels outside the transform's domain, is a validation error naming its file.
/// </summary>
public static class LikelihoodBatches
{
    public static IReadOnlyList<CutoutLikelihood[]> Compute(ScoringModel model, IReadOnlyList<CutoutFile> files, int batch, LikelihoodOptions options,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(files);
        return [.. files.Select(f => ComputeFile(model, f, batch, options, cancellationToken))];
    }

    /// <summary>
    /// One file's cutouts in batches of its own: a batch shares one adaptive step sequence, so batching only within a
    /// file makes each value depend on its file alone, never on which files the pipeline happened to group.
    /// </summary>
    private static CutoutLikelihood[] ComputeFile(ScoringModel model, CutoutFile file, int batch, LikelihoodOptions options, CancellationToken cancellationToken)
    {
        var cutouts = file.Cutouts;
        var rows = new List<CutoutLikelihood>(cutouts.Count);
        for (var start = 0; start < cutouts.Count; start += batch)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var part = cutouts.Skip(start).Take(batch).ToList();
            using var scope = NewDisposeScope();
            var x = PriorCutouts.ToTensor(part, model.ImageSize, model.Device, file.File.Path);
            var bad = part.FindIndex(c => c.Pixels.Any(v => v <= model.Transform.DomainMin));
            if (bad >= 0)
                throw new JobValidationException(file.File.Path, $"cutout '{part[bad].Id}' has pixels at or below {model.Transform.DomainMin}, outside the model's transform {model.Transform.Spec}");
            rows.AddRange(LikelihoodEstimator.Estimate(model.Process, model.Score, model.Transform, x, [.. part.Select(c => c.Id)], options, cancellationToken));
        }
        return [.. rows];
    }
}
