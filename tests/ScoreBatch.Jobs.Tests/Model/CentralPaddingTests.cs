using ScoreBatch.Jobs.Model;

namespace ScoreBatch.Jobs.Tests.Model;

public class CentralPaddingTests
{
    [Theory]
    [InlineData(31, 32, 0, 1)]  // the released 32² data: 31 -> 32 on the high side
    [InlineData(61, 64, 1, 2)]  // 61 -> 64 as (1, 2)
    [InlineData(51, 64, 6, 7)]  // 51 -> 64 as (6, 7)
    [InlineData(28, 32, 2, 2)]  // even gap splits evenly
    [InlineData(32, 32, 0, 0)]
    public void Gap_MatchesTrainingDataPadding(int size, int target, int low, int high)
    {
        Assert.Equal((low, high), CentralPadding.Gap(size, target));
    }

    [Theory]
    [InlineData(5, 7, 8, 8)]   // odd gaps in both axes
    [InlineData(4, 6, 8, 8)]   // even gaps
    [InlineData(8, 3, 8, 8)]   // no gap in one axis
    public void PadThenCrop_RoundTripsAndPutsZerosOutside(int h, int w, int th, int tw)
    {
        var src = Enumerable.Range(1, h * w).Select(v => (float)v).ToArray();
        var padded = CentralPadding.Pad(src, h, w, th, tw);
        Assert.Equal(src, CentralPadding.Crop(padded, th, tw, h, w));
        // Padding adds only zeros: the sum is unchanged and exactly th·tw - h·w pixels are 0.
        Assert.Equal(src.Sum(), padded.Sum());
        Assert.Equal(th * tw - h * w, padded.Count(v => v == 0));
        // The first source pixel lands at (low_h, low_w).
        var (top, _) = CentralPadding.Gap(h, th);
        var (left, _) = CentralPadding.Gap(w, tw);
        Assert.Equal(1f, padded[top * tw + left]);
    }

    [Fact]
    public void Pad_LargerThanTarget_Throws()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => CentralPadding.Gap(33, 32));
        Assert.Contains("33", ex.Message);
    }
}
