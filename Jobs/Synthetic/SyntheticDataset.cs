namespace ScoreBatch.Jobs.Synthetic;

/// <summary>What item <paramref name="Index"/> of a synthetic stack holds, for the manifest.</summary>
/// <param name="Index">Position in the stack.</param>
/// <param name="GalaxySeed">Seed of the galaxy (reproduces it with the same options).</param>
/// <param name="Shape">The galaxy's Sersic geometry.</param>
/// <param name="Artifact">Injected artifact, or None.</param>
/// <param name="ArtifactSeed">Seed of the injection (0 when none).</param>
/// <param name="Description">Human-readable description of the artifact ("" when none).</param>
public sealed record SyntheticEntry(int Index, int GalaxySeed, SersicShape Shape, ArtifactKind Artifact, int ArtifactSeed, string Description);

/// <summary>A stack of synthetic cutouts: <see cref="Pixels"/> [Count x Size x Size] row-major, one entry per image.</summary>
public sealed record SyntheticDataset(int Count, int Size, float[] Pixels, IReadOnlyList<SyntheticEntry> Entries)
{
    /// <summary>Image <paramref name="index"/> [Size x Size].</summary>
    public ReadOnlySpan<float> Image(int index) => Pixels.AsSpan(index * Size * Size, Size * Size);

    /// <summary>The stack's shape for .npy files: [Count, Size, Size].</summary>
    public int[] Shape => [Count, Size, Size];
}
