using ScoreBatch.Jobs.Synthetic;

namespace ScoreBatch.Jobs.Tests.Synthetic;

public class SyntheticDatasetBuilderTests
{
    [Fact]
    public void Build_ItemDoesNotDependOnCount()
    {
        var builder = new SyntheticDatasetBuilder(new SersicGalaxyOptions(Size: 16, MinEffectiveRadius: 1, MaxEffectiveRadius: 2));
        var small = builder.Build(3, seed: 42);
        var large = builder.Build(10, seed: 42);
        Assert.Equal([3, 16, 16], small.Shape);
        Assert.Equal(small.Image(2).ToArray(), large.Image(2).ToArray()); // per-item seeds: item 2 is item 2
        Assert.NotEqual(large.Image(2).ToArray(), large.Image(3).ToArray());
    }

    [Fact]
    public void Build_ArtifactFraction_MarksAboutThatShareInTheManifest()
    {
        // 400 draws at p = 0.25: the binomial standard deviation is 8.7, so 100 ± 35 holds with > 99.9 % odds.
        var builder = new SyntheticDatasetBuilder(new SersicGalaxyOptions(Size: 16, MinEffectiveRadius: 1, MaxEffectiveRadius: 2, Oversample: 2));
        var ds = builder.Build(400, seed: 1, ArtifactKind.HotPixel, 0.25);
        int marked = ds.Entries.Count(e => e.Artifact == ArtifactKind.HotPixel);
        Assert.InRange(marked, 65, 135);
        Assert.All(ds.Entries.Where(e => e.Artifact == ArtifactKind.None), e => Assert.Equal("", e.Description));
    }

    [Fact]
    public void BuildPairs_TwinIsCleanPlusArtifact_KindsCycle()
    {
        var builder = new SyntheticDatasetBuilder(new SersicGalaxyOptions());
        var (clean, twins) = builder.BuildPairs(4, seed: 9, [ArtifactKind.Ring, ArtifactKind.Companion]);
        Assert.Equal(builder.Generator.Generate(clean.Entries[1].GalaxySeed).Pixels, clean.Image(1).ToArray());
        Assert.Equal([ArtifactKind.Ring, ArtifactKind.Companion, ArtifactKind.Ring, ArtifactKind.Companion], twins.Entries.Select(e => e.Artifact));
        var expected = ArtifactInjectors.Create(ArtifactKind.Companion, builder.Generator).Inject(clean.Image(3), 32, twins.Entries[3].ArtifactSeed);
        Assert.Equal(expected.Pixels, twins.Image(3).ToArray());
    }
}
