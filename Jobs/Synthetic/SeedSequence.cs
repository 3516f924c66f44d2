namespace ScoreBatch.Jobs.Synthetic;

/// <summary>
/// Derives independent per-item seeds from one base seed (SplitMix64 finaliser), so item i of a dataset is the
/// same whatever the count or the order in which items are made.
/// </summary>
public static class SeedSequence
{
    /// <summary>Stream tags keep the galaxy, artifact, selection and observation-noise draws of one item independent.</summary>
    public const ulong GalaxyStream = 1, ArtifactStream = 2, SelectionStream = 3, NoiseStream = 4;

    /// <summary>A non-negative 31-bit seed for item <paramref name="index"/> of <paramref name="stream"/>.</summary>
    public static int Derive(int baseSeed, long index, ulong stream)
    {
        ulong z = unchecked((ulong)(uint)baseSeed * 0x9E3779B97F4A7C15UL + (ulong)index * 0xBF58476D1CE4E5B9UL + stream * 0x94D049BB133111EBUL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        z ^= z >> 31;
        return (int)(z & 0x7FFFFFFF);
    }

    /// <summary>A standard normal draw (Box-Muller) from <paramref name="rng"/>.</summary>
    public static double NextGaussian(Random rng)
    {
        double u1 = 1.0 - rng.NextDouble(); // in (0, 1]: keeps the log finite
        double u2 = rng.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>A uniform draw in [<paramref name="min"/>, <paramref name="max"/>).</summary>
    public static double Uniform(Random rng, double min, double max) => min + (max - min) * rng.NextDouble();
}
