namespace ScoreBatch.Jobs.Previews;

/// <summary>
/// Pictures of a cleaning run, like the seed's ring and multi-source figures: the frames (input first, cleaned last)
/// as an animated GIF and as a PNG strip, on one grey scale fixed by the input so that fading is visible
/// (<see cref="GreyScale"/>).
/// </summary>
public static class CleaningFrames
{
    /// <summary>Grey levels of each [height x width] frame on the first frame's scale.</summary>
    public static byte[][] Levels(IReadOnlyList<float[]> frames, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(frames);
        if (frames.Count == 0) throw new ArgumentException("no frames", nameof(frames));
        var scale = GreyScale.For(frames[0]);
        return [.. frames.Select(f => scale.Render(f, height, width))];
    }

    /// <summary>The animated GIF of the frames (0.25 s each, the last held 1.5 s by repeating it).</summary>
    public static byte[] Gif(IReadOnlyList<float[]> frames, int height, int width)
    {
        var levels = Levels(frames, height, width).ToList();
        for (var i = 0; i < 5; i++) levels.Add(levels[^1]);
        return GifEncoder.Encode(levels, width * GreyScale.Zoom, height * GreyScale.Zoom);
    }

    /// <summary>The frames side by side in one PNG, left to right, with grey gaps.</summary>
    public static byte[] Strip(IReadOnlyList<float[]> frames, int height, int width)
    {
        var levels = Levels(frames, height, width);
        return Tiles.Png(levels, height * GreyScale.Zoom, width * GreyScale.Zoom, levels.Length);
    }
}
