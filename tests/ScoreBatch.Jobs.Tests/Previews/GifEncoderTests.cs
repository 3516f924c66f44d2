using ScoreBatch.Jobs.Previews;
using SkiaSharp;

namespace ScoreBatch.Jobs.Tests.Previews;

public class GifEncoderTests
{
    [Fact]
    public void Encode_ThreeFrames_DecodesWithSkiaToTheSameGreyLevels()
    {
        // An independent decoder (Skia's GIF codec) must read back every frame's grey levels exactly. 40 x 30 = 1200
        // pixels spans several clear codes (one per 254 literals).
        const int w = 40, h = 30;
        var frames = Enumerable.Range(0, 3).Select(f => Enumerable.Range(0, w * h).Select(i => (byte)((i * 7 + f * 50) % 256)).ToArray()).ToArray();
        var gif = GifEncoder.Encode(frames, w, h, delayCentiseconds: 10);
        Assert.Equal("GIF89a", System.Text.Encoding.ASCII.GetString(gif, 0, 6));
        Assert.Equal(0x3B, gif[^1]);
        using var codec = SKCodec.Create(new MemoryStream(gif));
        Assert.NotNull(codec);
        Assert.Equal(SKEncodedImageFormat.Gif, codec.EncodedFormat);
        Assert.Equal(3, codec.FrameCount);
        Assert.Equal(100, codec.FrameInfo[1].Duration); // ms
        var info = new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Premul);
        for (var f = 0; f < 3; f++)
        {
            using var bitmap = new SKBitmap(info);
            var result = codec.GetPixels(info, bitmap.GetPixels(), new SKCodecOptions(f));
            Assert.Equal(SKCodecResult.Success, result);
            for (var i = 0; i < w * h; i += 37)
            {
                var pixel = bitmap.GetPixel(i % w, i / w);
                Assert.Equal(frames[f][i], pixel.Red);
                Assert.Equal(frames[f][i], pixel.Blue);
            }
        }
    }

    [Fact]
    public void Encode_WrongFrameSize_NamesTheSize()
    {
        var e = Assert.Throws<ArgumentException>(() => GifEncoder.Encode([new byte[5]], 2, 2));
        Assert.Contains("expected 2x2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Strip_TwoFrames_IsAPngOfBothPanels()
    {
        float[] first = [0, 1, 0, 0], second = [0, 0, 0, 0];
        var png = CleaningFrames.Strip([first, second], 2, 2);
        using var bitmap = SKBitmap.Decode(png);
        Assert.Equal((2 * 2 * GreyScale.Zoom) + Tiles.Gap, bitmap.Width);
        Assert.Equal(2 * GreyScale.Zoom, bitmap.Height);
        // Pixel (row 0, col 1) = 1 is the brightest of the first frame; row 0 is drawn at the bottom.
        Assert.Equal(255, bitmap.GetPixel(GreyScale.Zoom + 1, bitmap.Height - 1).Red);
        Assert.Equal(0, bitmap.GetPixel((2 * GreyScale.Zoom) + Tiles.Gap + GreyScale.Zoom + 1, bitmap.Height - 1).Red);
    }
}
