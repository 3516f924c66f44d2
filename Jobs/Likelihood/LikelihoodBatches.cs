using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Jobs.Handlers;
using ScoreBatch.Jobs.Scoring;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Likelihood;

/// <summary>
/// The likelihood compute stage shared by likelihood jobs and score jobs with params.likelihood: the cutouts of several
/// files in batches of <c>batch</c> (across file boundaries), one result list per file in file and cutout order. A cutout
/// of another size than the model's, or with pixels outside the transform's domain, is a validation error naming its file.
/// </summary>
public static class LikelihoodBatches
{
    public static IReadOnlyList<CutoutLikelihood[]> Compute(ScoringModel model, IReadOnlyList<CutoutFile> files, int batch, LikelihoodOptions options,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(files);
        var all = files.SelectMany(f => f.Cutouts.Select(c => (File: f.File.Path, Cutout: c))).ToList();
        var rows = new List<CutoutLikelihood>(all.Count);
        for (var start = 0; start < all.Count; start += batch)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var part = all.GetRange(start, Math.Min(batch, all.Count - start));
            using var scope = NewDisposeScope();
            var tensors = part.Select(p => PriorCutouts.ToTensor([p.Cutout], model.ImageSize, model.Device, p.File)).ToList();
            var x = cat(tensors, 0);
            var bad = part.FindIndex(p => p.Cutout.Pixels.Any(v => v <= model.Transform.DomainMin));
            if (bad >= 0)
                throw new JobValidationException(part[bad].File, $"cutout '{part[bad].Cutout.Id}' has pixels at or below {model.Transform.DomainMin}, outside the model's transform {model.Transform.Spec}");
            rows.AddRange(LikelihoodEstimator.Estimate(model.Process, model.Score, model.Transform, x, [.. part.Select(p => p.Cutout.Id)], options, cancellationToken));
        }
        var results = new CutoutLikelihood[files.Count][];
        var offset = 0;
        for (var i = 0; i < files.Count; i++)
        {
            results[i] = [.. rows.Skip(offset).Take(files[i].Cutouts.Count)];
            offset += files[i].Cutouts.Count;
        }
        return results;
    }
}
