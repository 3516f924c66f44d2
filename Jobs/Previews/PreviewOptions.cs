namespace ScoreBatch.Jobs.Previews;

/// <summary>Size and content of the PNG previews.</summary>
/// <param name="PanelWidth">Width of one panel in pixels (default 380: three panels fit a 1140-pixel-wide page).</param>
/// <param name="PanelHeight">Height of one panel in pixels (default 340; the colour bar takes part of the width).</param>
/// <param name="HeaderHeight">Height of the title band above the panels (default 64: two lines of text).</param>
/// <param name="HistogramBins">Bins of the summary-score histogram (default 40; fewer when there are fewer cutouts).</param>
public sealed record PreviewOptions(int PanelWidth = 380, int PanelHeight = 340, int HeaderHeight = 64, int HistogramBins = 40)
{
    public static PreviewOptions Default { get; } = new();

    /// <summary>Throws naming the first value out of range.</summary>
    public void Validate()
    {
        if (PanelWidth is < 100 or > 4000) throw new ArgumentOutOfRangeException(nameof(PanelWidth), PanelWidth, "must be 100 to 4000 pixels");
        if (PanelHeight is < 100 or > 4000) throw new ArgumentOutOfRangeException(nameof(PanelHeight), PanelHeight, "must be 100 to 4000 pixels");
        if (HeaderHeight is < 20 or > 400) throw new ArgumentOutOfRangeException(nameof(HeaderHeight), HeaderHeight, "must be 20 to 400 pixels");
        if (HistogramBins is < 1 or > 1000) throw new ArgumentOutOfRangeException(nameof(HistogramBins), HistogramBins, "must be 1 to 1000");
    }
}

/// <summary>
/// What one cutout preview shows: the input, its score map and |score|, each [Height x Width] row-major, titled with
/// the cutout id and its summary numbers (in the order given, e.g. "mean_abs_score" then "max_abs_score").
/// </summary>
public sealed record CutoutPreview(string Id, int Height, int Width, float[] Input, float[] Score,
    IReadOnlyList<KeyValuePair<string, double>> Summary)
{
    /// <summary>Where the unexplained light is (from a calibrated score job): outlined on the input and |score| panels.</summary>
    public Anomaly.ResidualRegion? Region { get; init; }

    /// <summary>Throws when the arrays do not hold Height x Width values.</summary>
    public void Validate()
    {
        if (Height <= 0 || Width <= 0) throw new ArgumentOutOfRangeException(nameof(Height), $"cutout {Id}: size {Height} x {Width} must be positive");
        if (Input.Length != Height * Width) throw new ArgumentException($"cutout {Id}: input holds {Input.Length} values, expected {Height} x {Width}", nameof(Input));
        if (Score.Length != Height * Width) throw new ArgumentException($"cutout {Id}: score holds {Score.Length} values, expected {Height} x {Width}", nameof(Score));
    }
}
