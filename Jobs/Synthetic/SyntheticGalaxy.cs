namespace ScoreBatch.Jobs.Synthetic;

/// <summary>
/// One synthetic galaxy: <see cref="Pixels"/> [Size x Size] row-major, non-negative, peak exactly 1 at the centre
/// pixel (<see cref="Centre"/>, <see cref="Centre"/>), and the parameters it was drawn with.
/// </summary>
/// <param name="Pixels">The image [Size x Size].</param>
/// <param name="Size">Side length in pixels.</param>
/// <param name="Shape">The drawn Sersic geometry.</param>
/// <param name="Seed">The seed that reproduces this galaxy with the same options.</param>
/// <param name="Shift">Whole-pixel (rows, columns) shift applied so that the noisy peak sits on the centre pixel; (0, 0) without noise.</param>
public sealed record SyntheticGalaxy(float[] Pixels, int Size, SersicShape Shape, int Seed, (int Rows, int Cols) Shift)
{
    /// <summary>Row and column index of the centre pixel, (Size - 1) / 2: 15 at 32², 31 at 64², as in the padded real cutouts.</summary>
    public int Centre => CentrePixel(Size);

    /// <summary>(size - 1) / 2.</summary>
    public static int CentrePixel(int size) => (size - 1) / 2;
}
