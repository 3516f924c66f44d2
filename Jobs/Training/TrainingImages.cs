using ScoreBatch.Jobs.Model;
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
            var bad = Array.FindIndex(c.Pixels, p => !float.IsFinite(p));
            if (bad >= 0) throw new ArgumentException($"{c.Id}: pixel ({bad / c.Width}, {bad % c.Width}) is {c.Pixels[bad]}");
            CentralPadding.PadInto(c.Pixels, c.Height, c.Width, pixels.AsSpan(n * plane, plane), size, size);
        }
        return tensor(pixels, [cutouts.Count, 1, size, size]); // device: CPU, the data set in host memory; the trainer moves each batch
    }
}
