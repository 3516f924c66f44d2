namespace ScoreBatch.Jobs.Synthetic;

/// <summary>
/// Adds a thin circular ring centred on the galaxy: amplitude A·exp(-(r - R)²/(2w²)), sub-pixel sampled.
/// Defaults: R from 0.22 to 0.38 of the image side (outside most footprints at 32²), w 0.6 to 1.0 px,
/// A 0.15 to 0.35 of the galaxy peak (clearly visible, never brighter than the core).
/// </summary>
public sealed class RingInjector(double minRadius = 0.22, double maxRadius = 0.38, double minWidth = 0.6, double maxWidth = 1.0,
    double minAmplitude = 0.15, double maxAmplitude = 0.35) : IArtifactInjector
{
    private const int Subsamples = 3;

    public ArtifactKind Kind => ArtifactKind.Ring;

    public InjectedArtifact Inject(ReadOnlySpan<float> image, int size, int seed)
    {
        var img = ArtifactComposer.ToDouble(image, size);
        var rng = new Random(seed);
        double radius = SeedSequence.Uniform(rng, minRadius, maxRadius) * size;
        double width = SeedSequence.Uniform(rng, minWidth, maxWidth);
        double amp = SeedSequence.Uniform(rng, minAmplitude, maxAmplitude);
        double c = SyntheticGalaxy.CentrePixel(size);
        var layer = new double[img.Length];
        for (int i = 0; i < size; i++)
            for (int j = 0; j < size; j++)
            {
                double acc = 0;
                for (int a = 0; a < Subsamples; a++)
                    for (int b = 0; b < Subsamples; b++)
                    {
                        double dy = i - 0.5 + (a + 0.5) / Subsamples - c;
                        double dx = j - 0.5 + (b + 0.5) / Subsamples - c;
                        double d = Math.Sqrt(dx * dx + dy * dy) - radius;
                        acc += Math.Exp(-d * d / (2 * width * width));
                    }
                acc /= Subsamples * Subsamples;
                layer[i * size + j] = acc < ArtifactComposer.Cutoff ? 0 : amp * acc;
            }
        double divisor = ArtifactComposer.AddAndRenormalise(img, layer);
        string note = divisor > 1 ? $", renormalised by {ArtifactComposer.F(divisor)}" : "";
        return new InjectedArtifact(Kind, SersicGalaxyGenerator.ToFloat(img),
            $"ring radius={ArtifactComposer.F(radius)}px width={ArtifactComposer.F(width)}px amplitude={ArtifactComposer.F(amp)}{note}");
    }
}
