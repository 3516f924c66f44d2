namespace ScoreBatch.Jobs.Synthetic;

/// <summary>
/// Builds stacks of synthetic galaxies. Galaxy i uses seed <see cref="SeedSequence.Derive"/>(seed, i, galaxy
/// stream), its artifact another stream, so item i is identical whatever the count. With an observation noise model
/// (<see cref="SersicGalaxyOptions.Noise"/>) each image is observed last, after its artifact, with the noise seed
/// <see cref="NoiseSeed"/>(seed, i): a clean galaxy and its artifact twin share one noise realisation.
/// </summary>
public sealed class SyntheticDatasetBuilder(SersicGalaxyOptions options)
{
    private readonly SersicGalaxyGenerator _generator = new(options);

    public SersicGalaxyGenerator Generator => _generator;

    /// <summary>
    /// <paramref name="count"/> galaxies; each, with probability <paramref name="artifactFraction"/> (decided by its
    /// own seed), carries an artifact of kind <paramref name="artifact"/>.
    /// </summary>
    public SyntheticDataset Build(int count, int seed, ArtifactKind artifact = ArtifactKind.None, double artifactFraction = 0,
        IProgress<int>? progress = null, CancellationToken cancellationToken = default) =>
        Build(count, seed, artifact == ArtifactKind.None ? [] : [artifact], artifactFraction, progress, cancellationToken);

    /// <summary>
    /// As <see cref="Build(int, int, ArtifactKind, double, IProgress{int}?, CancellationToken)"/>, with several kinds:
    /// an image chosen for an artifact gets one of <paramref name="kinds"/> uniformly (its selection seed decides;
    /// with one kind the images are those of the single-kind overload).
    /// </summary>
    public SyntheticDataset Build(int count, int seed, IReadOnlyList<ArtifactKind> kinds, double artifactFraction,
        IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        CheckCount(count);
        ArgumentNullException.ThrowIfNull(kinds);
        if (!(artifactFraction >= 0 && artifactFraction <= 1))
            throw new ArgumentOutOfRangeException(nameof(artifactFraction), artifactFraction, $"artifact fraction must be between 0 and 1, got {artifactFraction}");
        if (kinds.Contains(ArtifactKind.None))
            throw new ArgumentException($"artifact kinds must not include None, got [{string.Join(", ", kinds)}]", nameof(kinds));
        var injectors = kinds.Select(k => ArtifactInjectors.Create(k, _generator)).ToArray();
        return Make(count, i =>
        {
            if (injectors.Length == 0) return null;
            var pick = new Random(SeedSequence.Derive(seed, i, SeedSequence.SelectionStream));
            if (!(pick.NextDouble() < artifactFraction)) return null;
            return injectors.Length == 1 ? injectors[0] : injectors[pick.Next(injectors.Length)];
        }, seed, progress, cancellationToken).Galaxies;
    }

    /// <summary>The observation-noise seed of item <paramref name="index"/> (see <see cref="ObservationNoise.Observe"/>).</summary>
    public static int NoiseSeed(int seed, long index) => SeedSequence.Derive(seed, index, SeedSequence.NoiseStream);

    /// <summary>
    /// <paramref name="count"/> clean galaxies and their artifact twins (twin i = galaxy i plus an artifact of kind
    /// <paramref name="kinds"/>[i mod kinds.Count]), both [count x Size x Size].
    /// </summary>
    public (SyntheticDataset Clean, SyntheticDataset Twins) BuildPairs(int count, int seed, IReadOnlyList<ArtifactKind> kinds,
        IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        CheckCount(count);
        if (kinds.Count == 0 || kinds.Contains(ArtifactKind.None))
            throw new ArgumentException($"twin artifact kinds must be a non-empty list without None, got [{string.Join(", ", kinds)}]", nameof(kinds));
        var injectors = kinds.Select(k => ArtifactInjectors.Create(k, _generator)).ToArray();
        var (clean, twins) = Make(count, i => injectors[i % injectors.Length], seed, progress, cancellationToken, twinsOnly: true);
        return (clean, twins!);
    }

    private (SyntheticDataset Galaxies, SyntheticDataset? Twins) Make(int count, Func<int, IArtifactInjector?> choose, int seed,
        IProgress<int>? progress, CancellationToken cancellationToken, bool twinsOnly = false)
    {
        int size = options.Size, plane = size * size;
        var pixels = new float[(long)count * plane];
        var twinPixels = twinsOnly ? new float[(long)count * plane] : null;
        var entries = new SyntheticEntry[count];
        var twinEntries = twinsOnly ? new SyntheticEntry[count] : null;
        for (int i = 0; i < count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int gSeed = SeedSequence.Derive(seed, i, SeedSequence.GalaxyStream);
            var galaxy = _generator.Generate(gSeed);
            var injector = choose(i);
            var clean = new SyntheticEntry(i, gSeed, galaxy.Shape, ArtifactKind.None, 0, "");
            if (injector is null)
            {
                galaxy.Pixels.CopyTo(pixels, (long)i * plane);
                entries[i] = clean;
            }
            else
            {
                int aSeed = SeedSequence.Derive(seed, i, SeedSequence.ArtifactStream);
                var injected = injector.Inject(galaxy.Pixels, size, aSeed);
                var withArtifact = clean with { Artifact = injected.Kind, ArtifactSeed = aSeed, Description = injected.Description };
                if (twinsOnly)
                {
                    galaxy.Pixels.CopyTo(pixels, (long)i * plane);
                    entries[i] = clean;
                    injected.Pixels.CopyTo(twinPixels!, (long)i * plane);
                    twinEntries![i] = withArtifact;
                }
                else
                {
                    injected.Pixels.CopyTo(pixels, (long)i * plane);
                    entries[i] = withArtifact;
                }
            }
            if (options.Noise is { } noise)
            {
                int nSeed = NoiseSeed(seed, i);
                Observe(noise, pixels, i, plane, size, nSeed);
                if (twinPixels is not null) Observe(noise, twinPixels, i, plane, size, nSeed);
            }
            progress?.Report(i + 1);
        }
        var galaxies = new SyntheticDataset(count, size, pixels, entries);
        return (galaxies, twinsOnly ? new SyntheticDataset(count, size, twinPixels!, twinEntries!) : null);
    }

    private static void Observe(ObservationNoise noise, float[] stack, int index, int plane, int size, int noiseSeed)
    {
        var image = stack.AsSpan((int)((long)index * plane), plane);
        noise.Observe(image, size, noiseSeed).CopyTo(image);
    }

    private static void CheckCount(int count)
    {
        if (count < 1 || count > 10_000_000)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"count must be between 1 and 10,000,000, got {count}");
    }
}
