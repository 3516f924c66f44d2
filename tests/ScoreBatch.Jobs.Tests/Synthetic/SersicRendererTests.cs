using ScoreBatch.Jobs.Synthetic;

namespace ScoreBatch.Jobs.Tests.Synthetic;

public class SersicRendererTests
{
    /// <summary>Flux inside a circle of radius r around (c, c), each pixel weighted by its area inside (10x10 sub-samples).</summary>
    private static double ApertureFlux(double[] image, int size, double c, double r)
    {
        double sum = 0;
        for (int i = 0; i < size; i++)
            for (int j = 0; j < size; j++)
            {
                int inside = 0;
                for (int a = 0; a < 10; a++)
                    for (int b = 0; b < 10; b++)
                    {
                        double dy = i - 0.5 + (a + 0.5) / 10 - c, dx = j - 0.5 + (b + 0.5) / 10 - c;
                        if (dx * dx + dy * dy <= r * r) inside++;
                    }
                sum += image[i * size + j] * inside / 100.0;
            }
        return sum;
    }

    [Theory]
    [InlineData(0.5, 6.0)]
    [InlineData(1.0, 5.0)]
    [InlineData(2.0, 3.0)]
    public void Render_RoundUnconvolved_HalfTheTotalFluxInsideEffectiveRadius(double n, double re)
    {
        // r_e encloses half of the analytic total flux 2π n r_e² e^b b^-2n Γ(2n). A 96² image holds all but
        // <0.5 % of these profiles; sub-pixel sampling and the aperture's pixel weights keep errors near 1 %.
        const int size = 96;
        double c = 47.3; // off-grid centre: tests that sub-pixel positions are honoured
        var img = SersicRenderer.Render(new SersicShape(n, re, 1.0, 0), size, size, c, c, oversample: 8);
        double total = SersicMath.TotalFlux(n, re);
        Assert.Equal(0.5, ApertureFlux(img, size, c, re) / total, 0.015);
        Assert.Equal(1.0, img.Sum() / total, 0.01);
    }

    [Fact]
    public void Render_Elliptical_TotalFluxScalesWithAxisRatio()
    {
        // The area of an ellipse is q·π·a²: total flux is q times the round value (n = 1, r_e = 5, q = 0.5, 30°).
        const int size = 96;
        var img = SersicRenderer.Render(new SersicShape(1, 5, 0.5, Math.PI / 6), size, size, 47.5, 47.5, oversample: 8);
        Assert.Equal(SersicMath.TotalFlux(1, 5, 0.5), img.Sum(), SersicMath.TotalFlux(1, 5, 0.5) * 0.01);
    }

    [Fact]
    public void Render_PositionAngle_MajorAxisAlongRotatedDirection()
    {
        // q = 0.3 at PA = 90° puts the major axis along rows: a pixel 6 rows away is brighter than one 6 columns away.
        const int size = 33;
        var img = SersicRenderer.Render(new SersicShape(1, 4, 0.3, Math.PI / 2), size, size, 16, 16, oversample: 4);
        Assert.True(img[(16 + 6) * size + 16] > 10 * img[16 * size + 16 + 6], $"{img[(16 + 6) * size + 16]} vs {img[16 * size + 16 + 6]}");
    }

    [Fact]
    public void PsfKernel_GaussianAndMoffat_ConserveFluxAndMatchFwhm()
    {
        foreach (var kind in new[] { PsfKind.Gaussian, PsfKind.Moffat })
        {
            var k = PsfKernel.Create(new PsfOptions(kind, Fwhm: 3.0))!;
            Assert.Equal(1.0, k.Weights.Sum(), 12);
            // A point source convolved keeps its flux (well inside a 31² image).
            var point = new double[31 * 31];
            point[15 * 31 + 15] = 1;
            Assert.Equal(1.0, k.Convolve(point, 31, 31).Sum(), 12);
        }
        // Gaussian FWHM 3: the pixel at distance 1.5 (half the FWHM) is about half the peak; pixel integration of
        // a 5x5-subsampled kernel shifts it by a few per cent. Use the pixel centres at 1 and 2 and interpolate.
        var g = PsfKernel.Create(new PsfOptions(PsfKind.Gaussian, Fwhm: 3.0))!;
        int h = g.Size / 2;
        double peak = g.Weights[h * g.Size + h];
        double at15 = 0.5 * (g.Weights[h * g.Size + h + 1] + g.Weights[h * g.Size + h + 2]) / peak;
        Assert.InRange(at15, 0.45, 0.6);
    }
}
