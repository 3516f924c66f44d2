namespace ScoreBatch.Jobs.Synthetic;

/// <summary>
/// Brightens one pixel at least three pixels from the centre (Chebyshev distance) by a fraction 0.4 to 0.9 of the
/// headroom below the peak (screen compositing), so the defect is sharp, unconvolved and never the brightest pixel.
/// </summary>
public sealed class HotPixelInjector(double minAmplitude = 0.4, double maxAmplitude = 0.9) : IArtifactInjector
{
    public ArtifactKind Kind => ArtifactKind.HotPixel;

    public InjectedArtifact Inject(ReadOnlySpan<float> image, int size, int seed)
    {
        var img = ArtifactComposer.ToDouble(image, size);
        var rng = new Random(seed);
        int c = SyntheticGalaxy.CentrePixel(size);
        int row, col;
        do
        {
            row = rng.Next(size);
            col = rng.Next(size);
        }
        while (Math.Max(Math.Abs(row - c), Math.Abs(col - c)) < 3);
        double amp = SeedSequence.Uniform(rng, minAmplitude, maxAmplitude);
        var layer = new double[img.Length];
        layer[row * size + col] = amp;
        ArtifactComposer.Screen(img, layer);
        return new InjectedArtifact(Kind, SersicGalaxyGenerator.ToFloat(img),
            $"hot pixel at (row={row}, col={col}) amplitude={ArtifactComposer.F(amp)}");
    }
}
