using System.Globalization;
using ScottPlot;
using SkiaSharp;

namespace ScoreBatch.Jobs.Previews;

/// <summary>
/// PNG pictures a person reads to judge a job: for scoring, one preview per anomalous cutout (input on an asinh
/// stretch with its colour bar in flux units, score map on a diverging scale symmetric about 0 and |score|, their
/// colour bars in x-space score per unit flux) and a histogram of the summary score; for
/// training, the loss curve on a logarithmic axis. Returns PNG bytes; the caller stores them
/// (<c>&lt;output&gt;/previews/*.png</c>, <c>&lt;output&gt;/loss.png</c>). Images show row 0 at the bottom and
/// column 0 at the left, so the axes read as (column, row) indices, as in ds9 or matplotlib's origin="lower".
/// </summary>
public static class PreviewRenderer
{
    /// <summary>Folder under a scoring job's output prefix that holds the previews.</summary>
    public const string Folder = "previews";

    /// <summary>File name of the summary-score histogram inside <see cref="Folder"/>.</summary>
    public const string HistogramFile = "histogram.png";

    /// <summary>File name of a training job's loss curve, directly under its output prefix.</summary>
    public const string LossCurveFile = "loss.png";

    /// <summary>Colour-bar title of the input panel: the cutout's own pixel units.</summary>
    public const string InputBarLabel = "flux (input units)";

    /// <summary>Colour-bar title of the score panels: g_x = d log p / dx, per unit of the input's flux.</summary>
    public const string ScoreBarLabel = "x-space score (per unit flux)";

    /// <summary>Indices of the <paramref name="k"/> largest finite values, largest first (ties: lower index first).</summary>
    public static IReadOnlyList<int> MostAnomalous(IReadOnlyList<double> summaryScores, int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        return Enumerable.Range(0, summaryScores.Count)
            .Where(i => double.IsFinite(summaryScores[i]))
            .OrderByDescending(i => summaryScores[i]).ThenBy(i => i)
            .Take(k).ToList();
    }

    /// <summary>A preview file name for the cutout ranked <paramref name="rank"/> (1 = most anomalous): "rank-001_&lt;id&gt;.png".</summary>
    public static string FileName(int rank, string cutoutId)
    {
        var safe = new string(cutoutId.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_').ToArray());
        if (safe.Length > 120) safe = safe[^120..];
        return $"rank-{rank:D3}_{safe}.png";
    }

    /// <summary>Input | score map | |score| for one cutout, with a two-line title (id; summary numbers).</summary>
    public static byte[] RenderCutout(CutoutPreview preview, PreviewOptions? options = null)
    {
        options ??= PreviewOptions.Default;
        options.Validate();
        preview.Validate();
        float maxAbs = preview.Score.Where(float.IsFinite).Select(MathF.Abs).DefaultIfEmpty(0f).Max();
        float limit = maxAbs > 0 ? maxAbs : 1f;
        // The input on an asinh stretch (faint rings and companions show beside the core); its colour bar is
        // labelled with flux values at their stretched positions.
        var stretch = AsinhStretch.For(preview.Input);
        var finiteInput = preview.Input.Where(float.IsFinite).DefaultIfEmpty(0f).ToArray();
        double lo = finiteInput.Min(), hi = finiteInput.Max();
        var stretched = preview.Input.Select(v => (float)stretch.Forward(v)).ToArray();
        var panels = new[]
        {
            Panel("input (asinh stretch)", stretched, preview.Height, preview.Width, new ScottPlot.Colormaps.Grayscale(),
                hi > lo ? new ScottPlot.Range(stretch.Forward(lo), stretch.Forward(hi)) : null, options, InputBarLabel, stretch.Ticks(lo, hi), preview.Region),
            Panel("score s(x, t)", preview.Score, preview.Height, preview.Width, new ScottPlot.Colormaps.Balance(), new ScottPlot.Range(-limit, limit), options, ScoreBarLabel),
            Panel("|score|", preview.Score.Select(MathF.Abs).ToArray(), preview.Height, preview.Width, new ScottPlot.Colormaps.Inferno(), null, options, ScoreBarLabel,
                region: preview.Region),
        };
        var summary = string.Join("   ", preview.Summary.Select(kv => $"{kv.Key} = {Format(kv.Value)}"));
        return Compose(panels, preview.Id, summary, options);
    }

    /// <summary>Histogram of the per-cutout summary score, with the number of cutouts and the top-K threshold marked.</summary>
    public static byte[] RenderHistogram(IReadOnlyList<double> values, string quantity, double? threshold = null, PreviewOptions? options = null)
    {
        options ??= PreviewOptions.Default;
        options.Validate();
        var finite = values.Where(double.IsFinite).ToArray();
        if (finite.Length == 0) throw new ArgumentException($"no finite values of {quantity} to plot (got {values.Count})", nameof(values));
        double lo = finite.Min(), hi = finite.Max();
        if (hi <= lo) { lo -= 0.5; hi += 0.5; }
        int bins = Math.Min(options.HistogramBins, Math.Max(1, finite.Length));
        var hist = ScottPlot.Statistics.Histogram.WithBinCount(bins, lo, hi);
        hist.AddRange(finite);
        var plot = new Plot();
        var bars = plot.Add.Bars(hist.Bins, hist.Counts);
        foreach (var bar in bars.Bars)
        {
            bar.Size = hist.FirstBinSize * 0.95;
            bar.LineWidth = 0;
        }
        if (threshold is { } t && double.IsFinite(t))
        {
            var line = plot.Add.VerticalLine(t);
            line.LineColor = Colors.OrangeRed;
            line.LinePattern = LinePattern.Dashed;
            line.LegendText = $"preview threshold {Format(t)}";
            plot.ShowLegend(Alignment.UpperRight);
        }
        plot.Axes.Margins(bottom: 0);
        plot.Title($"{quantity} over {finite.Length} cutouts");
        plot.XLabel(quantity);
        plot.YLabel("cutouts");
        return plot.GetImageBytes(options.PanelWidth * 2, options.PanelHeight + options.HeaderHeight, ImageFormat.Png);
    }

    /// <summary>Training loss against step on a log-scale y axis (optionally with a second, smoothed series).</summary>
    public static byte[] RenderLossCurve(IReadOnlyList<long> steps, IReadOnlyList<double> losses, string title, PreviewOptions? options = null)
    {
        options ??= PreviewOptions.Default;
        options.Validate();
        if (steps.Count != losses.Count) throw new ArgumentException($"{steps.Count} steps but {losses.Count} losses", nameof(losses));
        var points = steps.Zip(losses).Where(p => double.IsFinite(p.Second) && p.Second > 0).ToArray();
        if (points.Length == 0) throw new ArgumentException($"no positive finite loss to plot (got {losses.Count} values)", nameof(losses));
        var plot = new Plot();
        var xs = points.Select(p => (double)p.First).ToArray();
        var ys = points.Select(p => Math.Log10(p.Second)).ToArray();
        var raw = plot.Add.ScatterLine(xs, ys);
        raw.LegendText = "loss";
        raw.MarkerSize = points.Length <= 50 ? 4 : 0;
        if (points.Length >= 20)
        {
            var smooth = plot.Add.ScatterLine(xs, MovingAverage(ys, Math.Max(3, points.Length / 20)));
            smooth.LegendText = "moving average";
            smooth.LineWidth = 2;
            smooth.MarkerSize = 0;
            plot.ShowLegend(Alignment.UpperRight);
        }
        // ScottPlot has no log axis: plot log10(loss) and label the ticks with 10^y, with log-spaced minor ticks.
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            // Whole decades when the curve spans two or more; otherwise intermediate values (0.05, 0.063, ...).
            IntegerTicksOnly = ys.Max() - ys.Min() >= 2,
            LabelFormatter = y => Math.Pow(10, y).ToString("G3", CultureInfo.InvariantCulture),
        };
        var last = points[^1];
        plot.Title($"{title}: loss {Format(last.Second)} at step {last.First}");
        plot.XLabel("step");
        plot.YLabel("loss (log scale)");
        return plot.GetImageBytes(options.PanelWidth * 2, options.PanelHeight + options.HeaderHeight, ImageFormat.Png);
    }

    /// <summary>Centred moving average (the window shrinks at the ends), so the smooth curve does not lag the raw one.</summary>
    private static double[] MovingAverage(double[] ys, int window)
    {
        var prefix = new double[ys.Length + 1];
        for (int i = 0; i < ys.Length; i++) prefix[i + 1] = prefix[i] + ys[i];
        var result = new double[ys.Length];
        int half = window / 2;
        for (int i = 0; i < ys.Length; i++)
        {
            int from = Math.Max(0, i - half), to = Math.Min(ys.Length, i + half + 1);
            result[i] = (prefix[to] - prefix[from]) / (to - from);
        }
        return result;
    }

    private static byte[] Panel(string title, float[] values, int height, int width, IColormap colormap, ScottPlot.Range? range, PreviewOptions options,
        string barLabel, IReadOnlyList<(double Position, string Label)>? ticks = null, Anomaly.ResidualRegion? region = null)
    {
        var grid = new double[height, width];
        for (int r = 0; r < height; r++)
            for (int c = 0; c < width; c++)
                grid[r, c] = values[r * width + c];
        var plot = new Plot();
        var heatmap = plot.Add.Heatmap(grid);
        heatmap.Colormap = colormap;
        // Astronomers display images with row 0 at the bottom (origin "lower"): the y axis is then the row index.
        heatmap.FlipVertically = true;
        if (range is { } rg) heatmap.ManualRange = rg;
        var bar = plot.Add.ColorBar(heatmap);
        bar.Label = barLabel;
        if (ticks is not null)
        {
            var manual = new ScottPlot.TickGenerators.NumericManual();
            foreach (var (position, label) in ticks) manual.AddMajor(position, label);
            bar.Axis.TickGenerator = manual;
        }
        if (region is { Area: > 0 })
        {
            // The localised region: a circle of its area (plus a pixel of margin) around its centroid; cell (r, c) is
            // drawn centred on (c, r) with row 0 at the bottom.
            var outline = plot.Add.Circle(region.Col, region.Row, Math.Sqrt(region.Area / Math.PI) + 1.5);
            outline.LineColor = Colors.Cyan;
            outline.LineWidth = 2;
            outline.FillColor = Colors.Transparent;
        }
        plot.Title(title);
        plot.Axes.Margins(0, 0);
        return plot.GetImageBytes(options.PanelWidth, options.PanelHeight, ImageFormat.Png);
    }

    private static readonly SKTypeface Typeface = SKTypeface.FromFamilyName("DejaVu Sans") ?? SKTypeface.Default;

    private static byte[] Compose(byte[][] panels, string title, string subtitle, PreviewOptions options)
    {
        int width = options.PanelWidth * panels.Length, height = options.HeaderHeight + options.PanelHeight;
        using var surface = SKSurface.Create(new SKImageInfo(width, height));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using var paint = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        using var titleFont = new SKFont(Typeface, options.HeaderHeight * 0.32f);
        using var subFont = new SKFont(Typeface, options.HeaderHeight * 0.24f);
        canvas.DrawText(Ellipsize(title, titleFont, width - 20), 10, options.HeaderHeight * 0.42f, SKTextAlign.Left, titleFont, paint);
        canvas.DrawText(Ellipsize(subtitle, subFont, width - 20), 10, options.HeaderHeight * 0.82f, SKTextAlign.Left, subFont, paint);
        for (int i = 0; i < panels.Length; i++)
        {
            using var bitmap = SKBitmap.Decode(panels[i]);
            canvas.DrawBitmap(bitmap, i * options.PanelWidth, options.HeaderHeight);
        }
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>Cuts text from the left (keeping the end of a long id, which is the distinctive part) to fit the width.</summary>
    private static string Ellipsize(string text, SKFont font, float maxWidth)
    {
        if (font.MeasureText(text) <= maxWidth) return text;
        for (int cut = 1; cut < text.Length; cut++)
        {
            var candidate = "..." + text[cut..];
            if (font.MeasureText(candidate) <= maxWidth) return candidate;
        }
        return text;
    }

    private static string Format(double v) =>
        v == 0 || (Math.Abs(v) >= 1e-3 && Math.Abs(v) < 1e5)
            ? v.ToString("0.####", CultureInfo.InvariantCulture)
            : v.ToString("0.###e0", CultureInfo.InvariantCulture);
}
