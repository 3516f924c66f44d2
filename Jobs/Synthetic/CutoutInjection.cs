namespace ScoreBatch.Jobs.Synthetic;

/// <summary>
/// Injects the product's artifacts into a real cutout, so a detector can be evaluated on a user's own galaxies. The
/// injectors work on a square image max-normalised to 1 with the galaxy on the centre pixel ((S - 1)/2) and set
/// their amplitudes relative to that peak; a real cutout is divided by its maximum, injected, and multiplied back,
/// so the result keeps the cutout's units and an artifact is as bright, relative to its galaxy, as in synthetic data.
/// </summary>
public static class CutoutInjection
{
    /// <summary>
    /// <paramref name="pixels"/> [size x size] with the artifact of <paramref name="injector"/> drawn from
    /// <paramref name="seed"/>. Throws naming <paramref name="id"/> when the cutout is not square or has no positive maximum.
    /// </summary>
    public static InjectedArtifact Inject(IArtifactInjector injector, string id, ReadOnlySpan<float> pixels, int height, int width, int seed)
    {
        ArgumentNullException.ThrowIfNull(injector);
        if (height != width)
            throw new ArgumentException($"{id} is {height}x{width}; the injectors need a square cutout centred on its galaxy (crop or pad it first)");
        if (pixels.Length != height * width)
            throw new ArgumentException($"{id} holds {pixels.Length} pixels for a declared {height}x{width} image");
        float peak = float.NegativeInfinity;
        foreach (var v in pixels)
        {
            if (!float.IsFinite(v)) throw new ArgumentException($"{id} has a non-finite pixel ({v}); every pixel must be finite");
            peak = Math.Max(peak, v);
        }
        if (!(peak > 0)) throw new ArgumentException($"{id} has no positive pixel (maximum {peak}); nothing to scale an artifact to");
        var normalised = new float[pixels.Length];
        for (int k = 0; k < normalised.Length; k++) normalised[k] = pixels[k] / peak;
        var injected = injector.Inject(normalised, width, seed);
        var result = injected.Pixels;
        for (int k = 0; k < result.Length; k++) result[k] *= peak;
        return injected with { Pixels = result };
    }
}
