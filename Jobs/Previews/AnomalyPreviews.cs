using ScoreBatch.Jobs.Scoring;
using ScoreBatch.Storage.Formats;

namespace ScoreBatch.Jobs.Previews;

/// <summary>
/// Collects what a scoring job needs for its pictures while it streams through the cutouts: every cutout's summary
/// score (for the histogram) and the input and score maps of only the <see cref="K"/> highest-scoring cutouts so far
/// (memory stays K maps, whatever the number of cutouts). <see cref="Render"/> then returns the PNG files to store
/// under the job's output prefix. Not thread-safe: offer from one thread (or lock around it).
/// </summary>
public sealed class AnomalyPreviews
{
    // Min-heap on (score, -sequence): the root is the weakest kept candidate; on equal scores the earlier cutout wins.
    private readonly PriorityQueue<CutoutPreview, (double Score, long Order)> _top = new();
    private readonly List<double> _scores = [];

    /// <summary>Most previews per job (each is a ~40 KB PNG; more are not looked at).</summary>
    public const int MaxK = 100;

    /// <param name="k">How many cutouts get a preview (0 turns all pictures off, the histogram included).</param>
    /// <param name="quantity">Name of the summary score, e.g. "max_abs_score": histogram axis and file titles.</param>
    /// <param name="options">Picture sizes.</param>
    public AnomalyPreviews(int k, string quantity, PreviewOptions? options = null)
    {
        if (k is < 0 or > MaxK) throw new ArgumentOutOfRangeException(nameof(k), k, $"previews: K must be 0 to {MaxK}");
        ArgumentException.ThrowIfNullOrWhiteSpace(quantity);
        K = k;
        Quantity = quantity;
        Options = options ?? PreviewOptions.Default;
        Options.Validate();
    }

    public int K { get; }

    public string Quantity { get; }

    public PreviewOptions Options { get; }

    /// <summary>Number of cutouts offered so far.</summary>
    public int Count => _scores.Count;

    /// <summary>
    /// Records one cutout's <paramref name="score"/> and keeps its maps when it is among the K largest so far.
    /// The arrays are kept by reference: do not reuse them after offering. Non-finite scores count in
    /// <see cref="Count"/> but get neither a preview nor a histogram bin.
    /// </summary>
    public void Offer(CutoutPreview preview, double score)
    {
        ArgumentNullException.ThrowIfNull(preview);
        preview.Validate();
        long order = _scores.Count;
        _scores.Add(score);
        if (K == 0 || !double.IsFinite(score)) return;
        var priority = (score, -order);
        if (_top.Count < K)
        {
            _top.Enqueue(preview, priority);
        }
        else if (_top.TryPeek(out _, out var weakest) && Compare(priority, weakest) > 0)
        {
            _top.DequeueEnqueue(preview, priority);
        }
    }

    /// <summary>The summary.csv column that ranks scored cutouts in <see cref="Offer(Cutout, CutoutScore)"/> without a calibration.</summary>
    public const string RankedBy = "max_abs_score";

    /// <summary>The column that ranks them when the job has a calibration.</summary>
    public const string RankedByAnomaly = "anomaly";

    /// <summary>The ranking column for a job with or without a calibration.</summary>
    public static string RankingFor(bool calibrated) => calibrated ? RankedByAnomaly : RankedBy;

    /// <summary>
    /// Records a scored cutout ranked by <see cref="Quantity"/>: the calibrated anomaly, or without one its
    /// max_abs_score (one bad pixel cluster, a cosmic ray or a companion, is enough to stand out), titled with its
    /// summary.csv numbers.
    /// </summary>
    public void Offer(Cutout cutout, CutoutScore score)
    {
        ArgumentNullException.ThrowIfNull(cutout);
        ArgumentNullException.ThrowIfNull(score);
        var m = score.Summary;
        Offer(PreviewOf(cutout, score.Score, m), RankOf(m, Quantity));
    }

    /// <summary>The preview of a scored cutout: its input and score map, titled with its summary.csv numbers.</summary>
    public static CutoutPreview PreviewOf(Cutout cutout, float[] score, ScoreSummary m)
    {
        ArgumentNullException.ThrowIfNull(cutout);
        ArgumentNullException.ThrowIfNull(m);
        List<KeyValuePair<string, double>> values = m.Anomaly is { } anomaly
            ? [new("anomaly", anomaly), new("p_value", m.PValue ?? double.NaN), new("max_abs_score", m.MaxAbsScore), new("t", m.T),
               new("flux_outside", m.FluxOutside), new("peaks", m.Peaks)]
            : [new("max_abs_score", m.MaxAbsScore), new("max_row", m.MaxRow), new("max_col", m.MaxCol),
               new("mean_abs_score", m.MeanAbsScore), new("frac_above", m.FracAbove), new("t", m.T),
               new("flux_outside", m.FluxOutside), new("peaks", m.Peaks)];
        return new CutoutPreview(cutout.Id, cutout.Height, cutout.Width, cutout.Pixels, score, values)
        {
            Region = m.Region is { Area: > 0 } region ? region : null,
        };
    }

    /// <summary>The value a cutout is ranked by under <paramref name="quantity"/> (NaN when it has none).</summary>
    public static double RankOf(ScoreSummary m, string quantity)
    {
        ArgumentNullException.ThrowIfNull(m);
        return quantity == RankedByAnomaly ? m.Anomaly ?? double.NaN : m.MaxAbsScore;
    }

    private static int Compare((double Score, long Order) a, (double Score, long Order) b) =>
        a.Score != b.Score ? a.Score.CompareTo(b.Score) : a.Order.CompareTo(b.Order);

    /// <summary>
    /// The pictures as (path relative to the output prefix, PNG bytes): "previews/rank-001_&lt;id&gt;.png" ... for the
    /// kept cutouts, most anomalous first, then "previews/histogram.png" (when any score is finite). K = 0 turns
    /// pictures off altogether (no previews, no histogram).
    /// </summary>
    public IReadOnlyList<(string RelativePath, byte[] Png)> Render()
    {
        if (K == 0) return [];
        var kept = new List<(CutoutPreview Preview, (double Score, long Order) Priority)>();
        foreach (var (element, priority) in _top.UnorderedItems) kept.Add((element, priority));
        kept.Sort((a, b) => Compare(b.Priority, a.Priority));
        return RenderRanked([.. kept.Select(k => (k.Preview, k.Priority.Score))], _scores, K, Quantity, Options);
    }

    /// <summary>
    /// The pictures of <see cref="Render"/> from what was already chosen: <paramref name="ranked"/>, the (at most
    /// <paramref name="k"/>) most anomalous cutouts with their scores, most anomalous first, and
    /// <paramref name="scores"/>, every cutout's score for the histogram. A split job's gather renders its combined
    /// previews this way.
    /// </summary>
    public static IReadOnlyList<(string RelativePath, byte[] Png)> RenderRanked(IReadOnlyList<(CutoutPreview Preview, double Score)> ranked,
        IReadOnlyList<double> scores, int k, string quantity, PreviewOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(ranked);
        ArgumentNullException.ThrowIfNull(scores);
        options ??= PreviewOptions.Default;
        if (k == 0) return [];
        var files = new List<(string, byte[])>(ranked.Count + 1);
        for (int i = 0; i < ranked.Count; i++)
            files.Add(($"{PreviewRenderer.Folder}/{PreviewRenderer.FileName(i + 1, ranked[i].Preview.Id)}", PreviewRenderer.RenderCutout(ranked[i].Preview, options)));
        if (scores.Any(double.IsFinite))
        {
            double? threshold = ranked.Count == k && k > 0 ? ranked[^1].Score : null;
            files.Add(($"{PreviewRenderer.Folder}/{PreviewRenderer.HistogramFile}", PreviewRenderer.RenderHistogram(scores, quantity, threshold, options)));
        }
        return files;
    }
}
