using ScoreBatch.Storage.Formats;

namespace ScoreBatch.Jobs.Anomaly;

/// <summary>The 8 rotations and reflections of a square cutout: galaxies have no preferred orientation, so each clean
/// reference stands for eight (numpy: rot90(x, k) and its left-right flip, k = 0..3).</summary>
public static class Dihedral
{
    public static IEnumerable<Cutout> Copies(Cutout c)
    {
        ArgumentNullException.ThrowIfNull(c);
        if (c.Height != c.Width)
        {
            yield return c; // a non-square cutout only has its own orientation and the two flips; keep it as is
            yield break;
        }
        int n = c.Height;
        var current = c.Pixels;
        for (int k = 0; k < 4; k++)
        {
            yield return new Cutout($"{c.Id}@r{k}", n, n, current);
            var flipped = new float[current.Length];
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++) flipped[(i * n) + j] = current[(i * n) + (n - 1 - j)];
            yield return new Cutout($"{c.Id}@r{k}f", n, n, flipped);
            var rotated = new float[current.Length];
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++) rotated[(i * n) + j] = current[(j * n) + (n - 1 - i)]; // rot90: out[i, j] = in[j, n-1-i]
            current = rotated;
        }
    }
}
