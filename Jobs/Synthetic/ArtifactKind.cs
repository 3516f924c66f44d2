namespace ScoreBatch.Jobs.Synthetic;

/// <summary>Defects a galaxy prior must flag: features no single, clean galaxy has.</summary>
public enum ArtifactKind
{
    /// <summary>No artifact.</summary>
    None,
    /// <summary>A thin circular ring around the galaxy (e.g. a reflection or ghost).</summary>
    Ring,
    /// <summary>A second, offset Sersic source (a blend).</summary>
    Companion,
    /// <summary>One bright pixel (a hot pixel on the detector).</summary>
    HotPixel,
    /// <summary>A short, sharp, unconvolved streak (a cosmic-ray hit).</summary>
    Streak,
}

/// <summary>The result of an injection: the modified image [Size x Size] and what was added, for manifests.</summary>
public sealed record InjectedArtifact(ArtifactKind Kind, float[] Pixels, string Description);

/// <summary>Adds one kind of artifact to a galaxy image; deterministic by seed, never modifies its input.</summary>
public interface IArtifactInjector
{
    ArtifactKind Kind { get; }

    /// <summary>Returns a copy of <paramref name="image"/> [size x size] (peak 1 at the centre) with the artifact added.</summary>
    InjectedArtifact Inject(ReadOnlySpan<float> image, int size, int seed);
}
