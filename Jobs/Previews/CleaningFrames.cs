using SkiaSharp;

namespace ScoreBatch.Jobs.Previews;

/// <summary>
/// Pictures of a cleaning run, like the seed's ring and multi-source figures: the frames (input first, cleaned last)
/// as an animated GIF and as a PNG strip, on one asinh stretch fixed by the input so that fading is visible, grey,
/// each pixel drawn as a <see cref="Zoom"/> x <see cref="Zoom"/> block, row 0 at the bottom (as the score previews).
/// </summary>
public static class CleaningFrames
{
    /// <summary>Pixel magnification: a 32² cutout becomes 128².</summary>
    public const int Zoom = 4;

    /// <summary>Grey gap between strip panels, in output pixels.</summary>
    public const int Gap = 2;

    /// <summary>
    /// Grey levels [F][(H·Zoom) x (W·Zoom)] of <paramref name="frames"/>, each [height x width] row-major: asinh of the
    /// flux with the softening of the first frame, mapped linearly from the first frame's stretched min..max to 0..255.
    /// </summary>
    public static byte[][] Levels(IReadOnlyList<float[]> frames, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(frames);
        if (frames.Count == 0) throw new ArgumentException("no frames", nameof(frames));
        var stretch = AsinhStretch.For(frames[0]);
        var finite = frames[0].Where(float.IsFinite).Select(v => stretch.Forward(v)).DefaultIfEmpty(0).ToArray();
        double lo = finite.Min(), hi = finite.Max();
        var range = hi > lo ? hi - lo : 1;
        int zh = height * Zoom, zw = width * Zoom;
        var levels = new byte[frames.Count][];
        for (var f = 0; f < frames.Count; f++)
        {
            if (frames[f].Length != height * width) throw new ArgumentException($"frame {f} has {frames[f].Length} pixels, expected {height}x{width}", nameof(frames));
            var image = new byte[zh * zw];
            for (var r = 0; r < zh; r++)
            {
                var row = height - 1 - (r / Zoom); // row 0 at the bottom
                for (var c = 0; c < zw; c++)
                {
                    var v = frames[f][(row * width) + (c / Zoom)];
                    var level = float.IsFinite(v) ? (stretch.Forward(v) - lo) / range * 255 : 0;
                    image[(r * zw) + c] = (byte)Math.Clamp(Math.Round(level), 0, 255);
                }
            }
            levels[f] = image;
        }
        return levels;
    }

    /// <summary>The animated GIF of the frames (0.25 s each, the last held 1.5 s by repeating it).</summary>
    public static byte[] Gif(IReadOnlyList<float[]> frames, int height, int width)
    {
        var levels = Levels(frames, height, width).ToList();
        for (var i = 0; i < 5; i++) levels.Add(levels[^1]);
        return GifEncoder.Encode(levels, width * Zoom, height * Zoom);
    }

    /// <summary>The frames side by side in one PNG, left to right, with grey gaps.</summary>
    public static byte[] Strip(IReadOnlyList<float[]> frames, int height, int width)
    {
        var levels = Levels(frames, height, width);
        int zh = height * Zoom, zw = width * Zoom;
        var total = (levels.Length * zw) + ((levels.Length - 1) * Gap);
        using var bitmap = new SKBitmap(new SKImageInfo(total, zh, SKColorType.Gray8, SKAlphaType.Opaque));
        var stride = bitmap.RowBytes;
        var pixels = new byte[stride * zh];
        Array.Fill(pixels, (byte)128);
        for (var f = 0; f < levels.Length; f++)
        {
            var x0 = f * (zw + Gap);
            for (var r = 0; r < zh; r++) Array.Copy(levels[f], r * zw, pixels, (r * stride) + x0, zw);
        }
        System.Runtime.InteropServices.Marshal.Copy(pixels, 0, bitmap.GetPixels(), pixels.Length);
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
