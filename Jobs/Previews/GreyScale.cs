namespace ScoreBatch.Jobs.Previews;

/// <summary>
/// Flux to grey levels for the cleaning and sample pictures: asinh with the softening of reference pixels, mapped
/// linearly from the references' stretched min..max to 0..255, each pixel a <see cref="Zoom"/> x <see cref="Zoom"/>
/// block, row 0 at the bottom (as the score previews).
/// </summary>
public sealed class GreyScale
{
    /// <summary>Pixel magnification: a 32² cutout becomes 128².</summary>
    public const int Zoom = 4;

    private readonly AsinhStretch _stretch;
    private readonly double _lo;
    private readonly double _range;

    private GreyScale(AsinhStretch stretch, double lo, double hi)
    {
        _stretch = stretch;
        _lo = lo;
        _range = hi > lo ? hi - lo : 1;
    }

    /// <summary>The scale fixed by <paramref name="reference"/> (finite pixels only).</summary>
    public static GreyScale For(ReadOnlySpan<float> reference)
    {
        var stretch = AsinhStretch.For(reference);
        double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
        foreach (var v in reference)
        {
            if (!float.IsFinite(v)) continue;
            var s = stretch.Forward(v);
            lo = Math.Min(lo, s);
            hi = Math.Max(hi, s);
        }
        return double.IsFinite(lo) ? new GreyScale(stretch, lo, hi) : new GreyScale(stretch, 0, 1);
    }

    /// <summary>Grey levels [(height·Zoom) x (width·Zoom)] of one [height x width] row-major image.</summary>
    public byte[] Render(float[] image, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.Length != height * width) throw new ArgumentException($"an image has {image.Length} pixels, expected {height}x{width}", nameof(image));
        int zh = height * Zoom, zw = width * Zoom;
        var levels = new byte[zh * zw];
        for (var r = 0; r < zh; r++)
        {
            var row = height - 1 - (r / Zoom);
            for (var c = 0; c < zw; c++)
            {
                var v = image[(row * width) + (c / Zoom)];
                var level = float.IsFinite(v) ? (_stretch.Forward(v) - _lo) / _range * 255 : 0;
                levels[(r * zw) + c] = (byte)Math.Clamp(Math.Round(level), 0, 255);
            }
        }
        return levels;
    }
}
