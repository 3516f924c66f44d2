using ScoreBatch.Storage.Formats;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Training;

/// <summary>Builds the training stack [N x 1 x S x S] (data space, float32, CPU) from cutouts.</summary>
public static class TrainingImages
{
    /// <summary>
    /// Stacks <paramref name="cutouts"/> into [N x 1 x S x S]. Smaller square-or-not cutouts are zero-padded
    /// centrally, the odd pixel on the high side (31 -> 32 adds one row/column at the end; 51 -> 64 adds 6 and 7),
    /// as the released training data were. A larger cutout or a non-finite pixel is an error naming the cutout.
    /// </summary>
    public static Tensor Stack(IReadOnlyList<Cutout> cutouts, int size)
    {
        ArgumentNullException.ThrowIfNull(cutouts);
        if (cutouts.Count == 0) throw new ArgumentException("no training cutouts were found");
        if (size <= 0) throw new ArgumentOutOfRangeException(nameof(size), size, "size must be positive");
        var plane = size * size;
        var pixels = new float[(long)cutouts.Count * plane];
        for (var n = 0; n < cutouts.Count; n++)
        {
            var c = cutouts[n];
            if (c.Height > size || c.Width > size)
                throw new ArgumentException($"{c.Id}: cutout is {c.Height}x{c.Width}, larger than the model size {size}");
            var top = (size - c.Height) / 2;
            var left = (size - c.Width) / 2;
            for (var r = 0; r < c.Height; r++)
            {
                for (var col = 0; col < c.Width; col++)
                {
                    var v = c.Pixels[r * c.Width + col];
                    if (!float.IsFinite(v)) throw new ArgumentException($"{c.Id}: pixel ({r}, {col}) is {v}");
                    pixels[(long)n * plane + (top + r) * size + left + col] = v;
                }
            }
        }
        return tensor(pixels, [cutouts.Count, 1, size, size]);
    }
}
