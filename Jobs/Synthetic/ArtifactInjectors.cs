namespace ScoreBatch.Jobs.Synthetic;

/// <summary>The one place that maps an <see cref="ArtifactKind"/> to its injector.</summary>
public static class ArtifactInjectors
{
    /// <summary>Names accepted on the command line and in manifests, in <see cref="ArtifactKind"/> order.</summary>
    public static IReadOnlyList<string> Names { get; } = ["none", "ring", "companion", "hotpixel", "streak"];

    /// <summary>The injector for <paramref name="kind"/>; companions are rendered with <paramref name="generator"/>'s PSF.</summary>
    public static IArtifactInjector Create(ArtifactKind kind, SersicGalaxyGenerator generator) => kind switch
    {
        ArtifactKind.Ring => new RingInjector(),
        ArtifactKind.Companion => new CompanionInjector(generator),
        ArtifactKind.HotPixel => new HotPixelInjector(),
        ArtifactKind.Streak => new StreakInjector(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, $"no injector for artifact kind '{kind}'"),
    };

    /// <summary>Parses "ring", "companion", "hotpixel", "streak" or "none" (case-insensitive).</summary>
    public static ArtifactKind Parse(string name)
    {
        for (int i = 0; i < Names.Count; i++)
            if (string.Equals(Names[i], name, StringComparison.OrdinalIgnoreCase)) return (ArtifactKind)i;
        throw new ArgumentException($"unknown artifact '{name}'; expected one of {string.Join(", ", Names)}", nameof(name));
    }

    /// <summary>The lower-case name of <paramref name="kind"/>.</summary>
    public static string NameOf(ArtifactKind kind) => Names[(int)kind];
}
