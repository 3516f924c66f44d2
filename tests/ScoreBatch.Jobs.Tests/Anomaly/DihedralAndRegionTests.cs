using ScoreBatch.Jobs.Anomaly;
using ScoreBatch.Storage.Formats;

namespace ScoreBatch.Jobs.Tests.Anomaly;

public class DihedralAndRegionTests
{
    [Fact]
    public void Copies_2x2_AreNumpysRotationsAndFlips()
    {
        // numpy: x = [[1, 2], [3, 4]]; rot90(x, 1) = [[2, 4], [1, 3]]; its left-right flip [[4, 2], [3, 1]].
        var copies = Dihedral.Copies(new Cutout("c", 2, 2, [1, 2, 3, 4])).ToList();
        Assert.Equal(8, copies.Count);
        Assert.Equal([1f, 2, 3, 4], copies[0].Pixels);
        Assert.Equal([2f, 1, 4, 3], copies[1].Pixels);
        Assert.Equal([2f, 4, 1, 3], copies[2].Pixels);
        Assert.Equal([4f, 2, 3, 1], copies[3].Pixels);
        Assert.Equal(8, copies.Select(c => string.Join(",", c.Pixels)).Distinct().Count());
    }

    [Fact]
    public void Find_Blob_GivesItsCentroidAndArea_AndNoiseFindsNothing()
    {
        // A 3x3 blob of residual 3 at rows 4-6, cols 10-12 of a 16² map: z = |3x3 sum|/3 is 9 at its centre, 6 at the
        // middle of each side (6 blob cells in the window), 4 at its corners (4 cells: not above the threshold) and 3
        // or less outside, so the region is the centre and the four side middles: 5 pixels, centred on (5, 11).
        var e = new float[256];
        for (int i = 4; i <= 6; i++)
            for (int j = 10; j <= 12; j++) e[(i * 16) + j] = 3;
        var region = ResidualRegion.Find(e, 16, 16);
        Assert.Equal(5.0, region.Row, 9);
        Assert.Equal(11.0, region.Col, 9);
        Assert.Equal(5, region.Area);
        var quiet = ResidualRegion.Find(new float[256], 16, 16);
        Assert.Equal(0, quiet.Area);
    }
}
