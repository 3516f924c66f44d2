namespace ScoreBatch.Jobs.Synthetic;

/// <summary>
/// Adds a second, offset Sersic source rendered and PSF-convolved by the galaxy generator (a blend). Defaults:
/// offset 0.2 to 0.35 of the image side at a random angle, index 0.5 to 2.5, r_e 0.03 to 0.08 of the side, axis
/// ratio 0.5 to 1, peak 0.3 to 0.7 of the main galaxy's peak (a fainter neighbour, so the centre stays brightest).
/// </summary>
public sealed class CompanionInjector(SersicGalaxyGenerator renderer, double minOffset = 0.2, double maxOffset = 0.35,
    double minAmplitude = 0.3, double maxAmplitude = 0.7) : IArtifactInjector
{
    public ArtifactKind Kind => ArtifactKind.Companion;

    public InjectedArtifact Inject(ReadOnlySpan<float> image, int size, int seed)
    {
        var img = ArtifactComposer.ToDouble(image, size);
        var rng = new Random(seed);
        double offset = SeedSequence.Uniform(rng, minOffset, maxOffset) * size;
        double angle = SeedSequence.Uniform(rng, 0, 2 * Math.PI);
        var shape = new SersicShape(
            Index: SeedSequence.Uniform(rng, 0.5, 2.5),
            EffectiveRadius: SeedSequence.Uniform(rng, 0.03, 0.08) * size,
            AxisRatio: SeedSequence.Uniform(rng, 0.5, 1.0),
            PositionAngle: SeedSequence.Uniform(rng, 0, Math.PI));
        double amp = SeedSequence.Uniform(rng, minAmplitude, maxAmplitude);
        double c = SyntheticGalaxy.CentrePixel(size);
        double row = c + offset * Math.Sin(angle), col = c + offset * Math.Cos(angle);
        var layer = renderer.RenderNormalised(shape, size, row, col);
        for (int k = 0; k < layer.Length; k++)
            layer[k] = layer[k] < ArtifactComposer.Cutoff ? 0 : amp * layer[k];
        double divisor = ArtifactComposer.AddAndRenormalise(img, layer);
        string note = divisor > 1 ? $", renormalised by {ArtifactComposer.F(divisor)}" : "";
        return new InjectedArtifact(Kind, SersicGalaxyGenerator.ToFloat(img),
            $"companion at (row={ArtifactComposer.F(row)}, col={ArtifactComposer.F(col)}) n={ArtifactComposer.F(shape.Index)} re={ArtifactComposer.F(shape.EffectiveRadius)}px q={ArtifactComposer.F(shape.AxisRatio)} peak={ArtifactComposer.F(amp)}{note}");
    }
}
