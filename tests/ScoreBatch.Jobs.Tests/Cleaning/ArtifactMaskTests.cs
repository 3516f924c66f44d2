using ScoreBatch.Jobs.Cleaning;

namespace ScoreBatch.Jobs.Tests.Cleaning;

public class ArtifactMaskTests
{
    private const int Size = 32;

    private static float[] Residual(params (int Row, int Col, float Value)[] pixels)
    {
        var e = new float[Size * Size];
        foreach (var (r, c, v) in pixels) e[(r * Size) + c] = v;
        return e;
    }

    [Fact]
    public void FromResidual_PureZero_MasksNothing() =>
        Assert.All(ArtifactMask.FromResidual(Residual(), Size, Size), m => Assert.Equal(1f, m));

    [Fact]
    public void FromResidual_ExcessLightOffCentre_MaskedAndGrownByOnePixel()
    {
        // e = -20 at one pixel: its 3x3 means are -20/9, z = 3·20/9 = 6.7 > 3 on the 3x3 block around it; grown by one
        // pixel, a 5x5 block is masked, nothing else.
        var mask = ArtifactMask.FromResidual(Residual((4, 24, -20f)), Size, Size);
        for (int i = 0; i < Size; i++)
            for (int j = 0; j < Size; j++)
                Assert.Equal(Math.Abs(i - 4) <= 2 && Math.Abs(j - 24) <= 2 ? 0f : 1f, mask[(i * Size) + j]);
    }

    [Fact]
    public void FromResidual_DeficitOrCore_NeverMasked()
    {
        // Less light than the prior expects (e > 0) is not an artifact to fill in; the core (r < 3.2 px) stays tied to the data.
        Assert.All(ArtifactMask.FromResidual(Residual((4, 24, 20f)), Size, Size), m => Assert.Equal(1f, m));
        // At the centre pixel the grown 5x5 block reaches r = 2.83 at most: all of it is core.
        Assert.All(ArtifactMask.FromResidual(Residual((15, 15, -20f)), Size, Size), m => Assert.Equal(1f, m));
        // Two pixels further out (the grown block spans r = 2 to 6), the part beyond the core is masked, the rest not.
        var edge = ArtifactMask.FromResidual(Residual((15, 19, -20f)), Size, Size);
        Assert.Equal(0f, edge[(15 * Size) + 21]);
        Assert.Equal(0f, edge[(15 * Size) + 19]);
        Assert.Equal(1f, edge[(15 * Size) + 18]); // r = 3
        Assert.Equal(1f, edge[(15 * Size) + 17]); // r = 2
    }
}
