namespace ScoreBatch.Jobs.Previews;

/// <summary>Samples as one grey PNG grid (row-major, about square), all on one <see cref="GreyScale"/> fixed by all of them.</summary>
public static class SampleGrid
{
    public const string FileName = "grid.png";

    public static byte[] Render(IReadOnlyList<float[]> images, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0) throw new ArgumentException("no images", nameof(images));
        var scale = GreyScale.For(images.SelectMany(i => i).ToArray());
        var columns = (int)Math.Ceiling(Math.Sqrt(images.Count));
        return Tiles.Png([.. images.Select(i => scale.Render(i, height, width))], height * GreyScale.Zoom, width * GreyScale.Zoom, columns);
    }
}
