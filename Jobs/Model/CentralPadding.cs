namespace ScoreBatch.Jobs.Model;

/// <summary>
/// Central zero-padding of a cutout to the model size and cropping back (SCIENCE.md 4-5). A gap g = target - size
/// puts floor(g/2) pixels on the low side and the rest on the high side: 31 -> 32 as (0, 1), 61 -> 64 as (1, 2),
/// 51 -> 64 as (6, 7), the padding of the real training data.
/// </summary>
public static class CentralPadding
{
    /// <summary>Pixels added before (low) and after (high) along one axis.</summary>
    public static (int Low, int High) Gap(int size, int target)
    {
        if (size < 1 || size > target)
            throw new ArgumentOutOfRangeException(nameof(size), size, $"size {size} must be between 1 and the target {target}");
        int gap = target - size;
        return (gap / 2, gap - gap / 2);
    }

    /// <summary>
    /// Copies <paramref name="source"/> [height x width] into the centre of <paramref name="destination"/>
    /// [targetHeight x targetWidth], which must be zero outside the copied block (a fresh or cleared buffer).
    /// </summary>
    public static void PadInto(ReadOnlySpan<float> source, int height, int width, Span<float> destination, int targetHeight, int targetWidth)
    {
        Check(source.Length, height, width, destination.Length, targetHeight, targetWidth);
        int top = Gap(height, targetHeight).Low, left = Gap(width, targetWidth).Low;
        for (int i = 0; i < height; i++)
            source.Slice(i * width, width).CopyTo(destination.Slice((top + i) * targetWidth + left, width));
    }

    /// <summary>Returns <paramref name="source"/> [height x width] zero-padded centrally to [targetHeight x targetWidth].</summary>
    public static float[] Pad(ReadOnlySpan<float> source, int height, int width, int targetHeight, int targetWidth)
    {
        var result = new float[targetHeight * targetWidth];
        PadInto(source, height, width, result, targetHeight, targetWidth);
        return result;
    }

    /// <summary>The central [height x width] block of <paramref name="padded"/> [paddedHeight x paddedWidth]: the inverse of <see cref="Pad"/>.</summary>
    public static float[] Crop(ReadOnlySpan<float> padded, int paddedHeight, int paddedWidth, int height, int width)
    {
        var result = new float[height * width];
        Check(result.Length, height, width, padded.Length, paddedHeight, paddedWidth);
        int top = Gap(height, paddedHeight).Low, left = Gap(width, paddedWidth).Low;
        for (int i = 0; i < height; i++)
            padded.Slice((top + i) * paddedWidth + left, width).CopyTo(result.AsSpan(i * width, width));
        return result;
    }

    private static void Check(int smallLength, int height, int width, int largeLength, int targetHeight, int targetWidth)
    {
        if (smallLength != height * width)
            throw new ArgumentException($"image holds {smallLength} values, expected {height}x{width} = {height * width}");
        if (largeLength != targetHeight * targetWidth)
            throw new ArgumentException($"padded buffer holds {largeLength} values, expected {targetHeight}x{targetWidth} = {targetHeight * targetWidth}");
        if (height > targetHeight || width > targetWidth)
            throw new ArgumentException($"a {height}x{width} image does not fit in {targetHeight}x{targetWidth}");
    }
}
