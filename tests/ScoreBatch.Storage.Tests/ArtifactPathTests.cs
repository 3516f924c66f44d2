using ScoreBatch.Storage.Abstractions;

namespace ScoreBatch.Storage.Tests;

public sealed class ArtifactPathTests
{
    [Theory]
    [InlineData("galaxies/train/part-0001.npy")]
    [InlineData("abc/x")]
    [InlineData("a-b-c/deep/ly/nested/file.fits.fz")]
    public void Check_ValidBlobName_ReturnsNull(string path) => Assert.Null(ArtifactPath.Check(path, requireBlobName: true));

    [Theory]
    [InlineData("galaxies", "must name a file")]
    [InlineData("galaxies/", "must name a file")]
    [InlineData("/galaxies/a", "absolute")]
    [InlineData("galaxies/../etc/passwd", "'..'")]
    [InlineData("galaxies/./a", "'.'")]
    [InlineData("galaxies/a//b", "empty segment")]
    [InlineData("galaxies\\a", "'/' separators")]
    [InlineData("Galaxies/a", "container 'Galaxies'")]
    [InlineData("ga/a", "container 'ga'")]
    [InlineData("ga--x/a", "container 'ga--x'")]
    [InlineData("gax-/a", "container 'gax-'")]
    [InlineData("", "empty")]
    public void Check_InvalidBlobName_SaysWhy(string path, string expected)
        => Assert.Contains(expected, ArtifactPath.Check(path, requireBlobName: true), StringComparison.Ordinal);

    [Theory]
    [InlineData("galaxies")]
    [InlineData("galaxies/")]
    [InlineData("galaxies/run1/")]
    public void Check_ValidPrefix_ReturnsNull(string prefix) => Assert.Null(ArtifactPath.Check(prefix, requireBlobName: false));

    [Fact]
    public void Validate_Invalid_ThrowsNamingField()
    {
        var e = Assert.Throws<InvalidArtifactPathException>(() => ArtifactPath.Validate("out/../x", "output"));
        Assert.Equal("output", e.Field);
        Assert.StartsWith("output: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Combine_PrefixAndRelative_JoinsWithOneSlash()
        => Assert.Equal("out/run1/scores/0001.npy", ArtifactPath.Combine("out/run1/", "scores/0001.npy"));

    [Theory]
    [InlineData("../run2/x")]
    [InlineData("/abs")]
    [InlineData("")]
    public void Combine_EscapingRelative_Throws(string relative)
        => Assert.Throws<InvalidArtifactPathException>(() => ArtifactPath.Combine("out/run1", relative));

    [Fact]
    public void RelativeTo_PathUnderPrefix_ReturnsRest()
        => Assert.Equal("a/b.npy", ArtifactPath.RelativeTo("out/run1", "out/run1/a/b.npy"));
}
