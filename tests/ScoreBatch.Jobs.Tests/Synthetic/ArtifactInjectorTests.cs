using ScoreBatch.Jobs.Synthetic;

namespace ScoreBatch.Jobs.Tests.Synthetic;

public class ArtifactInjectorTests
{
    private static readonly SersicGalaxyGenerator Generator = new(new SersicGalaxyOptions());

    [Theory]
    [InlineData(ArtifactKind.Ring)]
    [InlineData(ArtifactKind.Companion)]
    [InlineData(ArtifactKind.HotPixel)]
    [InlineData(ArtifactKind.Streak)]
    public void Inject_EachKind_DeterministicVisibleAndKeepsCentredPeak(ArtifactKind kind)
    {
        var galaxy = Generator.Generate(7);
        var injector = ArtifactInjectors.Create(kind, Generator);
        var a = injector.Inject(galaxy.Pixels, 32, seed: 99);
        var b = injector.Inject(galaxy.Pixels, 32, seed: 99);
        Assert.Equal(a.Pixels, b.Pixels);                                   // deterministic by seed
        Assert.Equal(a.Description, b.Description);
        Assert.NotEqual(a.Pixels, injector.Inject(galaxy.Pixels, 32, seed: 100).Pixels);
        Assert.NotEqual(galaxy.Pixels, a.Pixels);
        Assert.Equal(1f, galaxy.Pixels.Max());                               // input untouched
        // Visible: the largest per-pixel change is at least 0.1 of the peak (all default amplitudes are >= 0.15).
        double maxChange = galaxy.Pixels.Zip(a.Pixels, (x, y) => Math.Abs(x - y)).Max();
        Assert.True(maxChange >= 0.1, $"{kind}: largest change {maxChange}");
        Assert.True(a.Pixels.Max() <= 1f && a.Pixels.Min() >= 0f);
        Assert.Equal(15 * 32 + 15, Array.IndexOf(a.Pixels, a.Pixels.Max())); // the galaxy's core stays the peak
        Assert.False(string.IsNullOrWhiteSpace(a.Description));
    }

    [Fact]
    public void HotPixel_ChangesExactlyOnePixel()
    {
        var galaxy = Generator.Generate(3);
        var a = new HotPixelInjector().Inject(galaxy.Pixels, 32, 5);
        Assert.Equal(1, galaxy.Pixels.Zip(a.Pixels, (x, y) => x != y).Count(d => d));
    }

    [Fact]
    public void Parse_Names_RoundTrip()
    {
        foreach (var name in ArtifactInjectors.Names)
            Assert.Equal(name, ArtifactInjectors.NameOf(ArtifactInjectors.Parse(name)));
        var ex = Assert.Throws<ArgumentException>(() => ArtifactInjectors.Parse("donut"));
        Assert.Contains("donut", ex.Message);
    }
}
