using System.Security.Cryptography;
using System.Text;

namespace ScoreBatch.Jobs.Likelihood;

/// <summary>
/// The seed of a cutout's Rademacher probes: the first 8 bytes of SHA-256(id), mixed with a job seed. Fixed by the id,
/// so a cutout gets the same probes in any batch, order, attempt or worker.
/// </summary>
public static class ProbeSeeds
{
    public static ulong For(string cutoutId, long jobSeed = 0)
    {
        ArgumentNullException.ThrowIfNull(cutoutId);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(cutoutId));
        return BitConverter.ToUInt64(hash, 0) ^ unchecked((ulong)jobSeed * 0x9E3779B97F4A7C15UL);
    }
}
