using System.Security.Cryptography;

namespace ScoreBatch.Storage.Artifacts;

/// <summary>Size and SHA-256 (lower-case hex) of content as it was written.</summary>
public sealed record WrittenFile(long Size, string Sha256)
{
    public static WrittenFile Of(BinaryData content)
    {
        ArgumentNullException.ThrowIfNull(content);
        var span = content.ToMemory().Span;
        return new WrittenFile(span.Length, Convert.ToHexStringLower(SHA256.HashData(span)));
    }
}
