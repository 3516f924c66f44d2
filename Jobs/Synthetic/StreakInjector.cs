namespace ScoreBatch.Jobs.Synthetic;

/// <summary>
/// Adds a short, sharp cosmic-ray track: a segment of 4 to 10 px at a random angle, starting at least three pixels
/// from the centre, with a Gaussian cross-section of sigma 0.4 px (narrower than any PSF) and amplitude 0.3 to 0.8
/// of the headroom below the peak (screen compositing).
/// </summary>
public sealed class StreakInjector(double minLength = 4, double maxLength = 10, double minAmplitude = 0.3, double maxAmplitude = 0.8)
    : IArtifactInjector
{
    private const double CrossSigma = 0.4;

    public ArtifactKind Kind => ArtifactKind.Streak;

    public InjectedArtifact Inject(ReadOnlySpan<float> image, int size, int seed)
    {
        var img = ArtifactComposer.ToDouble(image, size);
        var rng = new Random(seed);
        int c = SyntheticGalaxy.CentrePixel(size);
        double r0, c0;
        do
        {
            r0 = SeedSequence.Uniform(rng, 1, size - 2);
            c0 = SeedSequence.Uniform(rng, 1, size - 2);
        }
        while (Math.Max(Math.Abs(r0 - c), Math.Abs(c0 - c)) < 3);
        double length = SeedSequence.Uniform(rng, minLength, maxLength);
        double angle = SeedSequence.Uniform(rng, 0, 2 * Math.PI);
        double amp = SeedSequence.Uniform(rng, minAmplitude, maxAmplitude);
        double r1 = r0 + length * Math.Sin(angle), c1 = c0 + length * Math.Cos(angle);
        var layer = new double[img.Length];
        for (int i = 0; i < size; i++)
            for (int j = 0; j < size; j++)
            {
                double d = DistanceToSegment(i, j, r0, c0, r1, c1);
                double v = Math.Exp(-d * d / (2 * CrossSigma * CrossSigma));
                layer[i * size + j] = v < ArtifactComposer.Cutoff ? 0 : amp * v;
            }
        ArtifactComposer.Screen(img, layer);
        return new InjectedArtifact(Kind, SersicGalaxyGenerator.ToFloat(img),
            $"streak from (row={ArtifactComposer.F(r0)}, col={ArtifactComposer.F(c0)}) to (row={ArtifactComposer.F(r1)}, col={ArtifactComposer.F(c1)}) amplitude={ArtifactComposer.F(amp)}");
    }

    private static double DistanceToSegment(double pr, double pc, double r0, double c0, double r1, double c1)
    {
        double dr = r1 - r0, dc = c1 - c0;
        double len2 = dr * dr + dc * dc;
        double u = len2 == 0 ? 0 : Math.Clamp(((pr - r0) * dr + (pc - c0) * dc) / len2, 0, 1);
        double er = pr - (r0 + u * dr), ec = pc - (c0 + u * dc);
        return Math.Sqrt(er * er + ec * ec);
    }
}
