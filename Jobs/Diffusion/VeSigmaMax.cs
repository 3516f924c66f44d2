using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Diffusion;

/// <summary>
/// Song and Ermon's (2020) rule for the VE process's sigma_max: the largest Euclidean distance between two training
/// images (in model space), so that the prior N(0, sigma_max² I) covers every pair. Computed on a sample of at most
/// <see cref="DefaultSample"/> images and recorded in the process spec of the checkpoint.
/// </summary>
public static class VeSigmaMax
{
    /// <summary>Images compared pairwise: 1,000 (half a million pairs, a few MB of distances).</summary>
    public const int DefaultSample = 1_000;

    /// <summary>
    /// Largest pairwise distance among <paramref name="images"/> [N x ...] (N &gt;= 2), on the first
    /// <paramref name="sample"/> of a permutation drawn from <paramref name="generator"/> when N is larger.
    /// </summary>
    public static double LargestPairwiseDistance(Tensor images, int sample = DefaultSample, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.shape[0] < 2) throw new ArgumentException($"sigma_max needs at least 2 training images, got {images.shape[0]}", nameof(images));
        if (sample < 2) throw new ArgumentOutOfRangeException(nameof(sample), sample, "the sample must hold at least 2 images");
        using var scope = NewDisposeScope();
        var flat = images.to(ScalarType.Float64).flatten(1);
        if (flat.shape[0] > sample)
            flat = flat.index_select(0, randperm(flat.shape[0], generator: generator).narrow(0, 0, sample));
        var distances = cdist(flat, flat);
        return distances.max().item<double>();
    }
}
