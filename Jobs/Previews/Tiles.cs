using SkiaSharp;

namespace ScoreBatch.Jobs.Previews;

/// <summary>Grey tiles of one size laid out in a grid with grey gaps, encoded as PNG.</summary>
internal static class Tiles
{
    /// <summary>Gap between tiles, in output pixels.</summary>
    public const int Gap = 2;

    public static byte[] Png(IReadOnlyList<byte[]> tiles, int tileHeight, int tileWidth, int columns)
    {
        var rows = (tiles.Count + columns - 1) / columns;
        int totalW = (columns * tileWidth) + ((columns - 1) * Gap), totalH = (rows * tileHeight) + ((rows - 1) * Gap);
        using var bitmap = new SKBitmap(new SKImageInfo(totalW, totalH, SKColorType.Gray8, SKAlphaType.Opaque));
        var stride = bitmap.RowBytes;
        var pixels = new byte[stride * totalH];
        Array.Fill(pixels, (byte)128);
        for (var n = 0; n < tiles.Count; n++)
        {
            int x0 = (n % columns) * (tileWidth + Gap), y0 = (n / columns) * (tileHeight + Gap);
            for (var r = 0; r < tileHeight; r++) Array.Copy(tiles[n], r * tileWidth, pixels, ((y0 + r) * stride) + x0, tileWidth);
        }
        System.Runtime.InteropServices.Marshal.Copy(pixels, 0, bitmap.GetPixels(), pixels.Length);
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
