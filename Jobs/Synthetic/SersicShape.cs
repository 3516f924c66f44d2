namespace ScoreBatch.Jobs.Synthetic;

/// <summary>
/// Geometry of one elliptical Sersic source. The radius is measured along the major axis:
/// r² = x'² + (y'/q)², with (x', y') the offset rotated by the position angle.
/// </summary>
/// <param name="Index">Sersic index n (0.5 Gaussian-like, 1 exponential disk, 4 de Vaucouleurs bulge).</param>
/// <param name="EffectiveRadius">Semi-major half-light radius r_e in pixels.</param>
/// <param name="AxisRatio">Minor over major axis, q in (0, 1].</param>
/// <param name="PositionAngle">Angle of the major axis from the +x (column) axis towards +y (row), in radians.</param>
public sealed record SersicShape(double Index, double EffectiveRadius, double AxisRatio, double PositionAngle)
{
    /// <summary>Throws naming the bad value.</summary>
    public void Validate()
    {
        if (!(Index >= SersicMath.MinIndex && Index <= SersicMath.MaxIndex))
            throw new ArgumentOutOfRangeException(nameof(Index), Index, $"Sersic index must be between {SersicMath.MinIndex} and {SersicMath.MaxIndex}, got {Index}");
        if (!(EffectiveRadius >= 0.1 && EffectiveRadius <= 1000))
            throw new ArgumentOutOfRangeException(nameof(EffectiveRadius), EffectiveRadius, $"effective radius must be between 0.1 and 1000 pixels, got {EffectiveRadius}");
        if (!(AxisRatio > 0 && AxisRatio <= 1))
            throw new ArgumentOutOfRangeException(nameof(AxisRatio), AxisRatio, $"axis ratio must be in (0, 1], got {AxisRatio}");
        if (!double.IsFinite(PositionAngle))
            throw new ArgumentOutOfRangeException(nameof(PositionAngle), PositionAngle, $"position angle must be finite, got {PositionAngle}");
    }
}
