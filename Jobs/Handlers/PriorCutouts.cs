using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Storage.Formats;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Handlers;

/// <summary>Cutouts as the tensor a prior takes, for the jobs that need the model's exact size (likelihood, clean).</summary>
public static class PriorCutouts
{
    /// <summary>
    /// [N x 1 x size x size] float32 on <paramref name="device"/>; a cutout of another size, or a non-finite pixel, is a
    /// validation error naming <paramref name="file"/> and the cutout.
    /// </summary>
    public static Tensor ToTensor(IReadOnlyList<Cutout> cutouts, int size, Device device, string file)
    {
        ArgumentNullException.ThrowIfNull(cutouts);
        var data = new float[cutouts.Count * size * size];
        for (var i = 0; i < cutouts.Count; i++)
        {
            var c = cutouts[i];
            if (c.Height != size || c.Width != size)
                throw new JobValidationException(file, $"cutout '{c.Id}' is {c.Height}x{c.Width}; this job needs the model's size {size}x{size}");
            foreach (var v in c.Pixels)
                if (!float.IsFinite(v)) throw new JobValidationException(file, $"cutout '{c.Id}' has a non-finite pixel");
            c.Pixels.CopyTo(data, i * size * size);
        }
        return tensor(data, [cutouts.Count, 1, size, size]).to(device);
    }
}
